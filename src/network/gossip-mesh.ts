/**
 * Gossipsub mesh parameters of a Fulcrum node (protocols/discovery-v1.md §Mesh): the defaults, why
 * they differ from gossipsub's, and the check of a configured set. Pure (no libp2p import), so the
 * config check can use it without loading the network stack.
 */
import { FulcrumError } from '../errors/index.js'
import { NetworkError } from './errors.js'

/**
 * Gossipsub mesh parameters of a node (one set for every topic: gossipsub has no per-topic mesh
 * size). `D`, `Dlo`, `Dhi`: the mesh's target, low and high degree; `Dlazy` and `gossipFactor`:
 * IHAVE gossip goes each heartbeat to max(Dlazy, gossipFactor x non-mesh topic peers) peers.
 */
export interface GossipMeshParams { D: number, Dlo: number, Dhi: number, Dlazy: number, gossipFactor: number }

/**
 * Smaller than gossipsub's defaults (6 / 4 / 12, Dlazy 6, factor 0.25; protocols/discovery-v1.md
 * §Mesh): Fulcrum messages are small (an offer is at most 4 KiB, usually 1-2 KiB), publishers
 * flood their own messages to every topic peer, and catalog sync repairs what gossip misses. Every
 * forwarded copy, duplicate and IHAVE is one more encrypted frame at both ends, and with a node's
 * DHT keeping 20-40 connections open the default meshes filled to 7 and each heartbeat sent IHAVE
 * to 7-8 peers. Measured on 50 nodes in 5 processes (propagation benchmark, three runs): gossipsub
 * RPCs sent per offer and node 14.8-22.5 -> 5.8-7.1 with IDONTWANT_MIN_BYTES (stock gossipsub with
 * its 5 connections per node: 8.2-8.7), duplicates per offer and node 5.0-6.1 -> 3.9-4.2, CPU per
 * offer about halved.
 */
export const GOSSIP_MESH_DEFAULTS: Readonly<GossipMeshParams> = { D: 4, Dlo: 3, Dhi: 6, Dlazy: 3, gossipFactor: 0.1 }

/**
 * gossipsub v1.2 sends an IDONTWANT to every mesh peer for each new message at least this large.
 * gossipsub's default (512 bytes) suits large blocks; for a message of a few KiB the extra frame
 * costs about what the duplicate it may save costs (measured: 6 IDONTWANT frames per message and
 * node saved 0.3 duplicates). Above every offer (4 KiB) and a usual checkpoint note (under 1 KiB;
 * a note with many cosignatures, up to 16 KiB, still gets them); IDONTWANTs received from peers are
 * always honoured.
 */
export const IDONTWANT_MIN_BYTES = 8192

/** Configured mesh parameters: a key given overrides its default in {@link GOSSIP_MESH_DEFAULTS}. */
export type GossipMeshConfig = { [K in keyof GossipMeshParams]?: GossipMeshParams[K] | undefined }

/**
 * `given` over the defaults, with what gossipsub needs besides: of the peers kept when an oversubscribed
 * mesh is pruned, `Dscore` are chosen by score (2/3 of D, gossipsub's 4 of 6) and at least `Dout`
 * are outbound connections (an attacker's inbound connections cannot fill the mesh; gossipsub
 * requires Dout < Dlo and Dout <= D/2). Throws `NET_BAD_CONFIG` unless 1 <= Dlo <= D <= Dhi,
 * Dlazy >= 0 and 0 <= gossipFactor <= 1.
 */
export function gossipMeshOptions (given: GossipMeshConfig = {}): GossipMeshParams & { Dscore: number, Dout: number } {
  const { D, Dlo, Dhi, Dlazy, gossipFactor } = {
    D: given.D ?? GOSSIP_MESH_DEFAULTS.D,
    Dlo: given.Dlo ?? GOSSIP_MESH_DEFAULTS.Dlo,
    Dhi: given.Dhi ?? GOSSIP_MESH_DEFAULTS.Dhi,
    Dlazy: given.Dlazy ?? GOSSIP_MESH_DEFAULTS.Dlazy,
    gossipFactor: given.gossipFactor ?? GOSSIP_MESH_DEFAULTS.gossipFactor
  }
  const ints = [D, Dlo, Dhi, Dlazy].every(x => Number.isInteger(x))
  if (!ints || Dlo < 1 || Dlo > D || D > Dhi || Dlazy < 0 || !(gossipFactor >= 0 && gossipFactor <= 1)) {
    throw new FulcrumError(NetworkError.BAD_CONFIG, `gossip mesh ${JSON.stringify({ D, Dlo, Dhi, Dlazy, gossipFactor })}: needs integers 1 <= Dlo <= D <= Dhi and Dlazy >= 0, and 0 <= gossipFactor <= 1`)
  }
  return { D, Dlo, Dhi, Dlazy, gossipFactor, Dscore: Math.round(D * 2 / 3), Dout: Math.max(0, Math.min(2, Math.floor(D / 2), Dlo - 1)) }
}
