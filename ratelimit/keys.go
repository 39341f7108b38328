package ratelimit

import "strings"

// keyEscaper keeps braces in a Key from ending a Redis hash tag early, and
// "|" from joining two Keys into one name.
var keyEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D", "|", "%7C")

// keys names what the Redis limiter stores. The bucket and the cooldown of
// one Key share a hash tag, so on Redis Cluster they live in one slot and
// every script touches one slot only.
type keys struct{ prefix string }

func (k keys) tag(key Key) string {
	return "{" + keyEscaper.Replace(key.ClientID) + "|" + keyEscaper.Replace(key.API) + "}"
}

// bucket is the GCRA key given to redis_rate (which adds its own "rate:").
func (k keys) bucket(key Key) string { return k.prefix + ":bucket:" + k.tag(key) }

// cooldown holds a Key's 429 cooldown, with the Retry-After as its TTL.
func (k keys) cooldown(key Key) string { return k.prefix + ":cooldown:" + k.tag(key) }

// replicas is the sorted set of live replicas (member: replica id, score:
// when its heartbeat lapses, in Unix milliseconds).
func (k keys) replicas() string { return k.prefix + ":replicas" }
