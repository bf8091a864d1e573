import type { EmbedPosition, EmbedTheme } from './readEmbedConfig.ts'

const placements: Record<EmbedPosition, string> = {
  'bottom-right':
    'position:fixed!important;bottom:12px!important;right:12px!important;z-index:2147483647!important',
  'bottom-left':
    'position:fixed!important;bottom:12px!important;left:12px!important;z-index:2147483647!important',
  inline: 'margin:16px 0!important',
}

const light =
  '--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0a6e4f;--on-accent:#fff'
const dark =
  '--bg:#1c2128;--fg:#e6edf3;--muted:#9da7b3;--line:#444c56;--accent:#3fb950;--on-accent:#0d1117'

/**
 * The widget's whole stylesheet, inside its shadow root. Page rules cannot select anything in
 * the shadow tree; the one element they reach is the host, and `all: initial !important` there
 * wins over theirs, even `!important` ones (an important declaration from the inner, shadow
 * context beats one from the outer context). Sizes are in px: `rem` follows the page's root font.
 */
export function widgetStyles(position: EmbedPosition, theme: EmbedTheme): string {
  const colours =
    theme === 'auto'
      ? `.w{${light}}@media (prefers-color-scheme:dark){.w{${dark}}}`
      : `.w{${theme === 'dark' ? dark : light}}`
  return `:host{all:initial!important;display:block!important;${placements[position]}}
${colours}
[hidden]{display:none!important}
.w{box-sizing:border-box;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);text-align:left;width:340px;max-width:${position === 'inline' ? '100%' : 'calc(100vw - 24px)'}}
:where(.w *){box-sizing:border-box;font:inherit;color:inherit;margin:0;letter-spacing:normal}
.card{position:relative;background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:12px 14px;box-shadow:0 4px 16px rgba(0,0,0,.18);display:flex;flex-direction:column;gap:10px}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
button{cursor:pointer;border:1px solid var(--line);border-radius:8px;background:var(--bg);padding:8px 14px;min-height:40px;font-weight:600}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}
button:focus-visible,input:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.consent{width:160px;height:40px}
.consent.out{width:0;height:0}
.pill{border-radius:999px;min-height:36px;padding:6px 14px;box-shadow:0 2px 8px rgba(0,0,0,.18)}
.muted{color:var(--muted);font-size:12px}
a{color:var(--accent);text-decoration:underline}
dl{display:flex;flex-wrap:wrap;gap:4px 16px}
dl div{display:flex;gap:6px}
dt{color:var(--muted)}
dd{font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
label{display:flex;gap:8px;align-items:center}
.controls{display:flex;flex-direction:column;gap:8px}
input[type=range]{flex:1;min-width:0;accent-color:var(--accent)}
input[type=checkbox]{width:18px;height:18px;accent-color:var(--accent)}`
}
