/**
 * The local control API of a node: an HTTP server on 127.0.0.1 with a bearer token (see
 * server.ts for the routes), and the client the CLI uses to reach a running daemon.
 */
export * from './errors.js'
export * from './backend.js'
export * from './server.js'
export * from './client.js'
export * from './body.js'
export * from './schemas.js'
export * from './routes.js'
export * from './openapi.js'
