/** The largest piece: what one frame carries (`MAX_FRAME_BYTES`), and what a peer re-sends when one is lost. */
export const MAX_PIECE_BYTES = 256 * 1024
