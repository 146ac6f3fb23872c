/**
 * What every view receives: the light client session, the nodes the user connects to (editable
 * in the Nodes view, preselected by `fulcrum web --peer`) and the latest per-node report. A view
 * is a component taking {@link ViewProps}; views are listed in views/index.ts.
 */
import type { ComponentType } from 'preact'
import type { SourceReport } from '../../client/index.js'
import type { Boot } from './boot.js'
import type { BrowserSession } from './session.js'

/** Shared state of the page. */
export interface AppContext {
  boot: Boot
  session: BrowserSession
  /** Multiaddrs of the nodes to ask. */
  nodes: string[]
  setNodes: (nodes: string[]) => void
  /** What each node did in the latest search (answered, offers, rejected, error). */
  reports: SourceReport[]
  setReports: (reports: SourceReport[]) => void
  /** The provider console's key (from the URL `fulcrum web --data-dir` printed), if any. */
  consoleKey: string | undefined
}

/** Props of every view. */
export interface ViewProps { ctx: AppContext }

/** A view of the page: its route (`#/id`), its tab label and its component. */
export interface View {
  id: string
  label: string
  component: ComponentType<ViewProps>
  /** Shown only when this holds (default: always). */
  available?: (boot: Boot) => boolean
}
