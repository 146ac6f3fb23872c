import { strict as assert } from 'node:assert'
import { MetricsError, parseMetricsListen } from '../../../src/metrics/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

describe('metrics: the endpoint address', () => {
  it('accepts HOST:PORT on loopback: 127.0.0.0/8, [::1] and localhost', () => {
    assert.deepEqual(parseMetricsListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 })
    assert.deepEqual(parseMetricsListen('127.0.0.2:0'), { host: '127.0.0.2', port: 0 })
    assert.deepEqual(parseMetricsListen('[::1]:9464'), { host: '::1', port: 9464 })
    assert.deepEqual(parseMetricsListen('localhost:65535'), { host: 'localhost', port: 65535 })
  })

  it('refuses a malformed address with METRICS_BAD_LISTEN naming the key', () => {
    for (const bad of ['', '9464', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:-1', 'example.org:9464', '::1:9464', '127.0.0.1:94x', '/ip4/127.0.0.1/tcp/9464']) {
      assert.throws(() => parseMetricsListen(bad), e => isFulcrumError(e, MetricsError.BAD_LISTEN) && (e as { path?: string }).path === 'metrics.listen', bad)
    }
  })

  it('refuses a non-loopback address with METRICS_NOT_LOOPBACK unless allowNonLoopback', () => {
    for (const open of ['0.0.0.0:9464', '10.0.0.5:9464', '[::]:9464', '[2001:db8::1]:9464']) {
      assert.throws(() => parseMetricsListen(open), e => isFulcrumError(e, MetricsError.NOT_LOOPBACK), open)
      assert.equal(parseMetricsListen(open, true).port, 9464)
    }
  })
})
