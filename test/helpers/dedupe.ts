import type { DedupeTicket } from '../../lib/coordination/dedupe';

/** The ticket's settle, failing the test if the ticket does not lead. */
export function lead(ticket: DedupeTicket) {
  if (ticket.role !== 'leader') throw new Error('expected to lead');
  return ticket.settle;
}

/** The ticket's outcome, failing the test if the ticket does not follow. */
export function follow(ticket: DedupeTicket) {
  if (ticket.role !== 'follower') throw new Error('expected to follow');
  return ticket.outcome;
}
