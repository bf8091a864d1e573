/** One identity's tallies in one job: what the requester's table and the volunteer page show. */
export class JobStanding {
  /** Units (checks included) issued to it. */
  issued = 0
  /** Results it returned. */
  results = 0
  /** Results checked and found right (an agreeing quorum, a check or canary that agreed). */
  valid = 0
  /** Results outvoted by a quorum. */
  invalid = 0
  errors = 0
  /** Units it held past their deadline. */
  missed = 0
  canariesPassed = 0
  /** Canary answers that disagreed with the known one (each disputes the unit). */
  canariesFailed = 0
}
