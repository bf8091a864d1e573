import { execFileSync, spawn } from 'node:child_process'
import { readlinkSync, writeFileSync } from 'node:fs'

/** A network of its own, joined to this one: what a job host sees as one volunteer's origin. */
export type NetworkOrigin = {
  /** Its /24, e.g. `10.254.11`: a host's origin key for it is `ip4:` and this. */
  subnet: string
  /** Its one address, on that /24. */
  address: string
  /** This namespace's end of the link, also on that /24: the way in and out. */
  gateway: string
  /** The namespace's file, for `nsenter --net=`. */
  netns: string
  /** Removes the link; the namespace goes with the last process in it. */
  close(): void
}

/** The address this namespace is reached at from every origin: its end of the private network. */
export const privateNetAddress = '10.254.0.1'

/** The first /24 given to an origin: 10.254.11.0/24, then 10.254.12.0/24, and so on. */
const firstSubnet = 11

/**
 * A new network namespace joined to this one by a veth pair on a /24 of its own, with a default
 * route back here, so that a browser started inside it (`launchInOrigin`) reaches this
 * namespace's servers at {@link privateNetAddress} and its WebRTC peers see it come from that
 * /24. Each origin's packets go only to this namespace: run it inside the private network
 * (`../shared/bin/private-net`), as root there (a mapped root in a user namespace will do).
 *
 * The namespace has no name in /run/netns: a `cat` holds it, and ends when `close()` (or the
 * test process's exit) closes its input.
 */
export async function createNetworkOrigin(): Promise<NetworkOrigin> {
  const index = freeIndex()
  const subnet = `10.254.${firstSubnet + index}`
  const link = `pno${index}`
  const holder = spawn('unshare', ['--net', '--', 'cat'], { stdio: ['pipe', 'ignore', 'inherit'] })
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()))
  const close = () => {
    try {
      ip('link', 'del', link)
    } catch {
      // Never made, or gone with its namespace.
    }
    holder.stdin.end()
  }
  try {
    if (holder.pid === undefined) throw new Error('unshare did not start')
    const netns = await namespaceOf(holder.pid, exited)
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(holder.pid))
    // No IPv6 link-local address on either end: one appears a second or two after a link comes
    // up, and Chromium, on either side, takes it for a network change and fails its requests in
    // flight (net::ERR_NETWORK_CHANGED), which left a page loaded with no app now and then.
    ip('link', 'set', link, 'addrgenmode', 'none')
    ip('addr', 'add', `${subnet}.1/24`, 'dev', link)
    ip('link', 'set', link, 'up')
    const inside = (...args: string[]) => run('nsenter', [`--net=${netns}`, '--', 'ip', ...args])
    inside('link', 'set', 'eth0', 'addrgenmode', 'none')
    inside('link', 'set', 'lo', 'up')
    inside('addr', 'add', `${subnet}.2/24`, 'dev', 'eth0')
    inside('link', 'set', 'eth0', 'up')
    inside('route', 'add', 'default', 'via', `${subnet}.1`)
    // Origins reach each other through this namespace as well as reaching it.
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1')
    return { subnet, address: `${subnet}.2`, gateway: `${subnet}.1`, netns, close }
  } catch (error) {
    close()
    throw error
  }
}

/** The lowest origin index whose link name is free here (a test process may have left one). */
function freeIndex(): number {
  const links = run('ip', ['-o', 'link', 'show'])
  for (let index = 0; firstSubnet + index < 255; index++)
    if (!new RegExp(`^\\d+: pno${index}[@:]`, 'm').test(links)) return index
  throw new Error('no free /24 for another network origin')
}

/** The holder's namespace file, once `unshare` has moved it into a namespace of its own. */
async function namespaceOf(pid: number, exited: Promise<void>): Promise<string> {
  const ours = readlinkSync('/proc/self/ns/net')
  let gone = false
  void exited.then(() => (gone = true))
  for (let tries = 0; tries < 100 && !gone; tries++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ours) return `/proc/${pid}/ns/net`
    } catch {
      // Not there yet, or gone: the next try or the exit tells.
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('unshare --net failed: is this the private network, run as root?')
}

function ip(...args: string[]): string {
  return run('ip', args)
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}
