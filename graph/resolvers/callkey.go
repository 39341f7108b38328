package resolvers

import (
	"encoding/binary"
	"time"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// callKey names one upstream call of a request for its memo: the
// operation and every argument that shapes the call, each written with its
// kind and length so that different arguments never give equal keys.
// Built by hand rather than by reflection: it is made for every field.
type callKey struct{ b []byte }

func newKey(op string) *callKey {
	k := &callKey{b: make([]byte, 0, 64)}
	return k.str(op)
}

func (k *callKey) String() string { return string(k.b) }

// clone copies k, for keys that extend a shared prefix.
func (k *callKey) clone() *callKey { return &callKey{b: append(make([]byte, 0, len(k.b)+16), k.b...)} }

func (k *callKey) str(s string) *callKey {
	k.b = append(k.b, 's')
	k.b = binary.AppendUvarint(k.b, uint64(len(s)))
	k.b = append(k.b, s...)
	return k
}

// null writes an absent value of a kind (its tag).
func (k *callKey) null(kind byte) *callKey {
	k.b = append(k.b, 'n', kind)
	return k
}

func (k *callKey) optStr(p *string) *callKey {
	if p == nil {
		return k.null('s')
	}
	return k.str(*p)
}

func (k *callKey) boolean(v bool) *callKey {
	if v {
		k.b = append(k.b, 't')
	} else {
		k.b = append(k.b, 'f')
	}
	return k
}

func (k *callKey) optBool(p *bool) *callKey {
	if p == nil {
		return k.null('b')
	}
	return k.boolean(*p)
}

func (k *callKey) integer(v int) *callKey {
	k.b = append(k.b, 'i')
	k.b = binary.AppendVarint(k.b, int64(v))
	return k
}

func (k *callKey) time(t time.Time) *callKey {
	k.b = append(k.b, 'd')
	k.b = binary.AppendVarint(k.b, t.UnixNano())
	return k
}

func (k *callKey) optTime(p *time.Time) *callKey {
	if p == nil {
		return k.null('d')
	}
	return k.time(*p)
}

func (k *callKey) strs(xs []string) *callKey { return keyEnums(k, xs) }

func (k *callKey) paging(p isc.Paging) *callKey {
	return k.integer(p.Offset).integer(p.Limit).boolean(p.Count)
}

// keyEnum and keyEnums write enum arguments (and keyEnums any list of
// strings: strs is it).
func keyEnum[E ~string](k *callKey, p *E) *callKey {
	if p == nil {
		return k.null('e')
	}
	return k.str(string(*p))
}

func keyEnums[E ~string](k *callKey, xs []E) *callKey {
	if xs == nil {
		return k.null('l')
	}
	k.b = append(k.b, 'l')
	k.b = binary.AppendUvarint(k.b, uint64(len(xs)))
	for _, x := range xs {
		k.str(string(x))
	}
	return k
}

// The input objects.

func (k *callKey) itemFilter(f *model.AccessItemFilter) *callKey {
	if f == nil {
		return k.null('f')
	}
	return k.optStr(f.Source).optBool(f.Standalone).optBool(f.Privileged).optStr(f.Attribute).optBool(f.CloudGoverned)
}

func (k *callKey) itemOrder(os []*model.AccessItemOrder) *callKey {
	k.integer(len(os))
	for _, o := range os {
		if o == nil {
			k.null('o')
			continue
		}
		k.str(string(o.Field)).str(string(o.Direction))
	}
	return k
}

func (k *callKey) taskFilter(f *model.TaskFilter) *callKey {
	if f == nil {
		return k.null('t')
	}
	k.strs(f.ID).strs(f.SourceID)
	keyEnums(k, f.CompletionStatus)
	return keyEnums(k, f.Type)
}

func (k *callKey) taskOrder(os []*model.TaskOrder) *callKey {
	k.integer(len(os))
	for _, o := range os {
		if o == nil {
			k.null('o')
			continue
		}
		k.str(string(o.Field)).str(string(o.Direction))
	}
	return k
}
