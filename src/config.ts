/**
 * Where the app finds the signaling server: `?signaling=URL` on the page, else
 * VITE_SIGNALING_URL at build time, else port 9000 of the host that served the
 * page (what `npm start` runs).
 */
export function signalingUrl(location: Location = globalThis.location): string {
  const fromQuery = new URLSearchParams(location.search).get('signaling')
  if (fromQuery) return fromQuery
  const fromBuild = import.meta.env.VITE_SIGNALING_URL as string | undefined
  if (fromBuild) return fromBuild
  return `${location.protocol}//${location.hostname}:9000`
}

/** STUN/TURN servers as JSON in VITE_ICE_SERVERS; none by default (local networks). */
export function iceServers(): RTCIceServer[] {
  const raw = import.meta.env.VITE_ICE_SERVERS as string | undefined
  return raw ? (JSON.parse(raw) as RTCIceServer[]) : []
}
