/**
 * alert-webhook's own matcher grammar and semantics (Alertmanager's syntax, regular expressions by RE2 as
 * re2js runs them in the browser too), so the app decides which incidents a window covers exactly as the
 * receiver does: one definition, not a copy.
 */
export {
  matches,
  matchesAll,
  parseMatchers,
  type Labels,
  type Matcher,
} from '../../../alert-webhook/src/routing/matchers';
