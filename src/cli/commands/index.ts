/**
 * The command table: every `fulcrum` command, by name. Adding a command is one line here and
 * one module in this folder.
 */
import type { Command } from '../command.js'
import { idCommand, initCommand } from './identity.js'
import { offerSignCommand, offerVerifyCommand } from './offer.js'
import { startCommand, offerPublishCommand, offerWithdrawCommand, offerListCommand, peersCommand } from './daemon.js'
import { searchCommand } from './search.js'
import { ledgerAppendCommand, ledgerSignCommand, ledgerCheckpointCommand, ledgerExportCommand, ledgerProofCommand, ledgerVkeyCommand } from './ledger.js'
import { orderPlanCommand } from './order.js'
import { auditAgreementCommand, auditBundleCommand, auditEvidenceCommand, auditPeerCommand } from './audit.js'

export const commands: Record<string, Command> = {
  init: initCommand,
  id: idCommand,
  'offer sign': offerSignCommand,
  'offer verify': offerVerifyCommand,
  start: startCommand,
  'offer publish': offerPublishCommand,
  'offer withdraw': offerWithdrawCommand,
  'offer list': offerListCommand,
  peers: peersCommand,
  search: searchCommand,
  'ledger checkpoint': ledgerCheckpointCommand,
  'ledger vkey': ledgerVkeyCommand,
  'ledger export': ledgerExportCommand,
  'ledger proof': ledgerProofCommand,
  'ledger sign': ledgerSignCommand,
  'ledger append': ledgerAppendCommand,
  'audit bundle': auditBundleCommand,
  'audit peer': auditPeerCommand,
  'audit agreement': auditAgreementCommand,
  'audit evidence': auditEvidenceCommand,
  'order plan': orderPlanCommand
}
