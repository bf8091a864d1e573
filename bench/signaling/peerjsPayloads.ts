/**
 * What peerjs 1.5 puts in OFFER, ANSWER and CANDIDATE for a data connection, with the SDP and
 * candidate lines of a Chromium data channel, so that relayed frames have their real size and
 * shape (an OFFER of about 1 KB, a CANDIDATE of about 300 B).
 */

const fingerprint =
  'sha-256 3B:8F:21:0C:77:A2:5E:19:D4:6B:90:FE:11:C8:2A:47:6D:E3:05:B9:72:1F:CC:48:9A:36:E0:5D:B4:13:87:6A'

function sdp(type: 'offer' | 'answer'): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Xq3v',
    'a=ice-pwd:d7Jk2LQp8rTz0vWnC5yHbE1f',
    'a=ice-options:trickle',
    `a=fingerprint:${fingerprint}`,
    `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n')
}

const common = { type: 'data', label: 'dc_bench', reliable: true, serialization: 'binary' }

export function offerPayload(connectionId: string) {
  return {
    sdp: { type: 'offer', sdp: sdp('offer') },
    ...common,
    connectionId,
    browser: 'chrome',
  }
}

export function answerPayload(connectionId: string) {
  return {
    sdp: { type: 'answer', sdp: sdp('answer') },
    type: 'data',
    connectionId,
    browser: 'chrome',
  }
}

export function candidatePayload(connectionId: string) {
  return {
    candidate: {
      candidate:
        'candidate:2857614853 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag Xq3v network-id 1',
      sdpMLineIndex: 0,
      sdpMid: '0',
      usernameFragment: 'Xq3v',
    },
    type: 'data',
    connectionId,
  }
}
