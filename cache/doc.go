// Package cache is sailgraph's read-through cache: a small Store over
// bytes (Redis, single node or Cluster, or a bounded in-memory LRU) and, on
// top of it, the engine that decides what is served from it.
//
// The engine (Cache) keeps each answer with three deadlines taken from the
// lifetime of its data class (see Policy and the README's "Cache lifetimes"): fresh until, served
// at once while a background refresh runs until, and served instead of an
// upstream error until. On a miss one replica fills the entry while the
// others wait for it (a short lease in the Store); answers are partitioned
// by Request.Scope so that two principals never meet; a caller learns which
// answers it got stale, and how old, through WithNotes.
//
// The Store is never the reason a request fails: when Redis is slow or down
// the engine goes to the origin, keeps serving and counts the error.
//
// The package imports only go-redis and the standard library.
package cache
