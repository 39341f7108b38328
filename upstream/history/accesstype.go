package history

import (
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// AccessType is the kind of an access item. It hides the tenant's two
// spellings of access profiles (accessProfile in most places,
// access_profile in the snapshot access-item query).
type AccessType uint8

// The access types. The zero AccessType means "not given": the operation's
// default applies.
const (
	Account AccessType = iota + 1
	Entitlement
	App
	AccessProfile
	Role
)

// AccessTypes lists every access type.
func AccessTypes() []AccessType { return []AccessType{Account, Entitlement, App, AccessProfile, Role} }

// String returns the type's name as the tenant mostly writes it
// (account, entitlement, app, accessProfile, role).
func (t AccessType) String() string {
	switch t {
	case Account:
		return "account"
	case Entitlement:
		return "entitlement"
	case App:
		return "app"
	case AccessProfile:
		return "accessProfile"
	case Role:
		return "role"
	}
	return ""
}

// snapshotName is the spelling of listIdentitySnapshotAccessItems' type
// parameter.
func (t AccessType) snapshotName() string {
	if t == AccessProfile {
		return "access_profile"
	}
	return t.String()
}

// Valid reports whether t is one of the five access types.
func (t AccessType) Valid() bool { return t >= Account && t <= Role }

// ParseAccessType reads either spelling of an access type.
func ParseAccessType(s string) (AccessType, bool) {
	switch s {
	case "account":
		return Account, true
	case "entitlement":
		return Entitlement, true
	case "app":
		return App, true
	case "accessProfile", "access_profile":
		return AccessProfile, true
	case "role":
		return Role, true
	}
	return 0, false
}

// MarshalText writes the tenant's usual spelling.
func (t AccessType) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, isc.Invalid("accessType", "no access type %d", uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads either spelling; anything else is a
// *isc.ContractError.
func (t *AccessType) UnmarshalText(b []byte) error {
	v, ok := ParseAccessType(string(b))
	if !ok {
		return isc.Breach("", nil, "unknown access type %q", b)
	}
	*t = v
	return nil
}

// appendNames adds the tenant's spelling of each type to a repeated query
// parameter; an invalid type is an *isc.ArgumentError.
func appendNames(param string, types []AccessType) ([]string, error) {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if !t.Valid() {
			return nil, isc.Invalid(param, "no access type %d", uint8(t))
		}
		out = append(out, t.String())
	}
	return out, nil
}
