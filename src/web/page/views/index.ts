/**
 * The page's views, in tab order. Adding a view is one file in this folder and one row here; its
 * route is `#/ID`.
 */
import type { View } from '../context.js'
import { SearchView } from './search.js'
import { NodesView } from './nodes.js'
import { OrderView } from './order.js'
import { AgreementsView } from './agreements.js'
import { ProviderView } from './provider.js'

export const VIEWS: View[] = [
  { id: 'search', label: 'Search', component: SearchView },
  { id: 'order', label: 'Order', component: OrderView },
  { id: 'agreements', label: 'Agreements', component: AgreementsView },
  { id: 'nodes', label: 'Nodes', component: NodesView },
  { id: 'provider', label: 'Provider', component: ProviderView, available: boot => boot.provider }
]
