import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initDataDir } from '../../../src/datadir/index.js'
import { createNode } from '../../../src/node/index.js'
import { createIdentity } from '../../../src/identity/index.js'
import { createLibp2pNode, gossipMeshOptions, GOSSIP_MESH_DEFAULTS, IDONTWANT_MIN_BYTES, NetworkError } from '../../../src/network/index.js'
import { MAX_RECORD_BYTES } from '../../../src/offers/index.js'
import { configProblems } from '../../../src/datadir/config.js'
import { isFulcrumError } from '../../../src/errors/index.js'

/** The options gossipsub runs with (read from the service: what it acts on at each heartbeat). */
type MeshOpts = { D: number, Dlo: number, Dhi: number, Dscore: number, Dout: number, Dlazy: number, gossipFactor: number, idontwantMinDataSize: number }

describe('network: gossip mesh parameters (discovery-v1.md §Mesh)', () => {
  it('defaults to a small mesh and light IHAVE gossip, with Dscore and Dout inside gossipsub\'s constraints', () => {
    assert.deepEqual(gossipMeshOptions(), { D: 4, Dlo: 3, Dhi: 6, Dlazy: 3, gossipFactor: 0.1, Dscore: 3, Dout: 2 })
    // gossipsub's own defaults, configured explicitly, give gossipsub's Dscore and Dout (4 and 2).
    assert.deepEqual(gossipMeshOptions({ D: 6, Dlo: 4, Dhi: 12, Dlazy: 6, gossipFactor: 0.25 }), { D: 6, Dlo: 4, Dhi: 12, Dlazy: 6, gossipFactor: 0.25, Dscore: 4, Dout: 2 })
    for (const D of [1, 2, 3, 4, 5, 8, 20]) {
      for (let Dlo = 1; Dlo <= D; Dlo++) {
        const o = gossipMeshOptions({ D, Dlo, Dhi: D })
        assert.ok(o.Dout < Dlo || o.Dout === 0, `Dout ${o.Dout} < Dlo ${Dlo}`)
        assert.ok(o.Dout <= D / 2 && o.Dscore <= D, `D ${D}: Dout ${o.Dout}, Dscore ${o.Dscore}`)
      }
    }
  })

  it('refuses degrees out of order or out of range with NET_BAD_CONFIG', () => {
    for (const bad of [{ Dlo: 5 }, { Dhi: 3 }, { Dlo: 0 }, { D: 4.5 }, { Dlazy: -1 }, { gossipFactor: 1.5 }, { gossipFactor: Number.NaN }]) {
      assert.throws(() => gossipMeshOptions(bad), (e: unknown) => isFulcrumError(e, NetworkError.BAD_CONFIG), JSON.stringify(bad))
    }
  })

  it('sends no IDONTWANT for any offer (the threshold is above the record cap)', () => {
    assert.ok(IDONTWANT_MIN_BYTES > MAX_RECORD_BYTES)
  })

  it('the node\'s gossipsub runs with these parameters, and a configured set overrides them', async () => {
    const opts = async (gossipMesh?: Record<string, number>): Promise<MeshOpts> => {
      const node = await createLibp2pNode({ seed: createIdentity().seed, listen: ['/ip4/127.0.0.1/tcp/0'], start: false, ...(gossipMesh === undefined ? {} : { gossipMesh }) })
      return (node.services.pubsub as unknown as { opts: MeshOpts }).opts
    }
    const def = await opts()
    assert.deepEqual([def.D, def.Dlo, def.Dhi, def.Dscore, def.Dout, def.Dlazy, def.gossipFactor], [4, 3, 6, 3, 2, 3, 0.1])
    assert.equal(def.idontwantMinDataSize, IDONTWANT_MIN_BYTES)
    const six = await opts({ D: 6, Dlo: 4, Dhi: 12 })
    assert.deepEqual([six.D, six.Dlo, six.Dhi, six.Dscore, six.Dlazy], [6, 4, 12, 4, GOSSIP_MESH_DEFAULTS.Dlazy])
    await assert.rejects(opts({ Dlo: 7 }), (e: unknown) => isFulcrumError(e, NetworkError.BAD_CONFIG))
  })

  it('a node takes gossipMesh from its config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-mesh-'))
    try {
      await initDataDir(dir, { listen: ['/ip4/127.0.0.1/tcp/0'] })
      const node = await createNode({ dataDir: dir, api: false, config: { gossipMesh: { D: 8, Dlo: 6, Dhi: 12, Dlazy: 6 } } })
      try {
        const o = (node.libp2p.services.pubsub as unknown as { opts: MeshOpts }).opts
        assert.deepEqual([o.D, o.Dlo, o.Dhi, o.Dlazy, o.gossipFactor], [8, 6, 12, 6, GOSSIP_MESH_DEFAULTS.gossipFactor])
      } finally { await node.stop() }
    } finally { await rm(dir, { recursive: true, force: true }) }
  })

  it('config gossipMesh: keys checked by type, range and order (CONFIG_INVALID names gossipMesh)', () => {
    assert.deepEqual(configProblems({ ...validConfig(), gossipMesh: { D: 6, Dhi: 8 } }), [])
    for (const bad of [{ D: 2 }, { D: 'x' }, { Dlazy: -1 }, { gossipFactor: 2 }, { d: 4 }]) {
      const problems = configProblems({ ...validConfig(), gossipMesh: bad })
      assert.ok(problems.length > 0 && problems.every(p => p.key.startsWith('gossipMesh')), `${JSON.stringify(bad)}: ${JSON.stringify(problems)}`)
    }
  })
})

function validConfig (): Record<string, unknown> {
  // The shipped defaults (config/default.json), which are valid.
  return JSON.parse(readFileSync(new URL('../../../config/default.json', import.meta.url), 'utf8')) as Record<string, unknown>
}
