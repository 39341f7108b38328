// Package access decides who may ask the gateway what.
//
// # Gateway API keys
//
// Callers authenticate to the gateway with API keys of their own, separate
// from the tenant's client credentials. A key is a random string starting
// with "sgk_" (GenerateKey) and is sent as
//
//	Authorization: Bearer sgk_...
//
// or in an X-API-Key header. The gateway never holds a key in clear: the
// keys file (SAILGRAPH_API_KEYS_FILE) lists, one JSON object a line, each
// key's name, the hex SHA-256 of the key, its scopes and optionally its own
// fair share:
//
//	# lines starting with # and blank lines are ignored
//	{"name":"reports-bot","sha256":"9f86d0...","scopes":["sp:report:read"]}
//	{"name":"ops","sha256":"60303a...","scopes":["idn:task-management:write"],"rate":"20/1s","cost":"2000/1m"}
//
// EntryFor builds such a line from a key (the `sailgraph hash-key`
// helper). A presented key is hashed and compared in constant time with
// every entry's hash.
//
// With keys configured, a request without a valid key is answered 401.
// With none, every request is anonymous with every scope; CheckAnonymous
// is the start-up rule that allows this in front of a real tenant only on
// loopback (or when SAILGRAPH_ALLOW_ANONYMOUS says so), and says at start
// who can reach what.
//
// # Scopes
//
// Scopes mirror the tenant's OAuth2 scopes (idn:identity-history:read,
// sp:report:manage, ...). The schema's @scope(anyOf: [...]) directive puts
// them on the fields that reach each upstream API; Directive implements it,
// answering a field the caller may not see with a FORBIDDEN error on that
// field while the rest of the data is returned. RequireScope does the same
// for plain HTTP routes (downloads, the REST side).
//
// # Pass-through
//
// In pass-through mode the caller's own ISC access token is used upstream
// instead of the gateway's client credentials. It is sent as
//
//	X-ISC-Token: <ISC access token>
//
// or, when it is not a gateway key, as Authorization: Bearer <token> (so
// scripts written for SailPoint's SDKs work unchanged; such a caller sends
// its gateway key, if keys are configured, in X-API-Key). The token
// becomes principal.ForBearer in the request's context, so the cache, the
// in-flight de-duplication and the tenant budget are partitioned by its
// hash; the token itself is never logged or used as a key.
//
// # Fair share
//
// FairShare gives every caller its own request rate and its own allowance
// of estimated upstream calls per window, so that one noisy client cannot
// spend the whole tenant budget; over either, the answer is 429 with
// Retry-After. With Redis the allowances are shared by every replica
// (GCRA through go-redis/redis_rate); without, they are kept in memory.
package access
