package access

import (
	"bytes"
	"testing"
)

// The partition a caller carries from its keys file entry (worked out
// once) is the one its scopes give, whatever their order in the file; the
// anonymous caller's names every scope.
func TestCallerPartitionWorkedOutOnce(t *testing.T) {
	k1, k2 := GenerateKey(), GenerateKey()
	var file bytes.Buffer
	for _, e := range []struct {
		name, key string
		scopes    []string
	}{
		{"a", k1, []string{"sp:report:read", "idn:identity-history:read"}},
		{"b", k2, []string{"idn:identity-history:read", "sp:report:read"}},
	} {
		line, err := EntryFor(e.name, e.key, e.scopes...)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(line)
		file.WriteByte('\n')
	}
	keys, err := ParseKeys(&file)
	if err != nil {
		t.Fatal(err)
	}
	a, okA := keys.lookup(k1)
	b, okB := keys.lookup(k2)
	if !okA || !okB {
		t.Fatal("keys not found")
	}
	byHand := Caller{Scopes: NewScopes(IdentityHistoryRead, ReportRead)}.Partition()
	if a.partition == "" || a.Partition() != byHand || b.Partition() != byHand {
		t.Fatalf("partitions %q (kept %q) and %q, want %q for both", a.Partition(), a.partition, b.Partition(), byHand)
	}
	anon := newAuthenticator(AuthOptions{}).anon
	if want := (Caller{Scopes: NewScopes(AllScopes()...)}).Partition(); anon.partition != want || anon.Partition() == byHand {
		t.Fatalf("anonymous partition %q, want %q", anon.partition, want)
	}
}
