package history

import (
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// AccessItem is one access item of an identity. Its dynamic type is one of
// *AccountItem, *EntitlementItem, *AppItem, *AccessProfileItem and
// *RoleItem; switch on it to reach the fields of the kind.
type AccessItem interface {
	// Type is the item's kind.
	Type() AccessType
	// Base returns the fields every kind has.
	Base() ItemBase
	isAccessItem()
}

// ItemBase holds the fields every access item has. Strings the tenant
// leaves out or sends as null are "".
type ItemBase struct {
	ID          string
	DisplayName string
	SourceName  string
}

// Base returns b; it makes every item type an AccessItem.
func (b ItemBase) Base() ItemBase { return b }

func (ItemBase) isAccessItem() {}

// AccountItem is an account on a source (AccessItemAccountResponse).
type AccountItem struct {
	ItemBase
	NativeIdentity   string
	SourceID         string
	EntitlementCount int
}

// EntitlementItem is an entitlement (AccessItemEntitlementResponse).
type EntitlementItem struct {
	ItemBase
	Attribute       string
	Value           string
	EntitlementType string // the schema's "type", e.g. group
	Description     string
	SourceID        string
	Standalone      *bool
	Privileged      *bool
	CloudGoverned   *bool
}

// AppItem is an application (AccessItemAppResponse).
type AppItem struct {
	ItemBase
	AppRoleID string
}

// AccessProfileItem is an access profile (AccessItemAccessProfileResponse).
type AccessProfileItem struct {
	ItemBase
	Description      string
	SourceID         string
	EntitlementCount int
	AppRefs          []AppRef
	StartDate        *time.Time
	RemoveDate       *time.Time
	Standalone       *bool
	Revocable        *bool
}

// AppRef is an application an access profile belongs to.
type AppRef struct {
	CloudAppID   string `json:"cloudAppId"`
	CloudAppName string `json:"cloudAppName"`
}

// RoleItem is a role (AccessItemRoleResponse).
type RoleItem struct {
	ItemBase
	Description string
	StartDate   *time.Time
	RemoveDate  *time.Time
	Revocable   bool
}

// Type returns Account.
func (*AccountItem) Type() AccessType { return Account }

// Type returns Entitlement.
func (*EntitlementItem) Type() AccessType { return Entitlement }

// Type returns App.
func (*AppItem) Type() AccessType { return App }

// Type returns AccessProfile.
func (*AccessProfileItem) Type() AccessType { return AccessProfile }

// Type returns Role.
func (*RoleItem) Type() AccessType { return Role }

// wireItem is the union of the five access-item schemas, decoded in one
// pass and then sorted into its kind by accessType.
type wireItem struct {
	ID               string   `json:"id"`
	AccessType       string   `json:"accessType"`
	DisplayName      string   `json:"displayName"`
	SourceName       string   `json:"sourceName"`
	SourceID         string   `json:"sourceId"`
	NativeIdentity   string   `json:"nativeIdentity"`
	EntitlementCount int      `json:"entitlementCount"`
	Attribute        string   `json:"attribute"`
	Value            string   `json:"value"`
	Type             string   `json:"type"`
	Description      string   `json:"description"`
	Standalone       *bool    `json:"standalone"`
	Privileged       *bool    `json:"privileged"`
	CloudGoverned    *bool    `json:"cloudGoverned"`
	Revocable        *bool    `json:"revocable"`
	AppRoleID        string   `json:"appRoleId"`
	AppRefs          []AppRef `json:"appRefs"`
	StartDate        string   `json:"startDate"`
	RemoveDate       string   `json:"removeDate"`
}

// item turns the wire form into its kind. fallback is the kind to assume
// when the tenant leaves accessType out (the operation asked for one type);
// 0 means there is none and the item is refused.
func (w *wireItem) item(fallback AccessType) (AccessItem, error) {
	t := fallback
	if w.AccessType != "" {
		var ok bool
		if t, ok = ParseAccessType(w.AccessType); !ok {
			return nil, isc.Breach("", nil, "access item %q has unknown accessType %q", w.ID, w.AccessType)
		}
	}
	base := ItemBase{ID: w.ID, DisplayName: w.DisplayName, SourceName: w.SourceName}
	switch t {
	case Account:
		return w.account(base), nil
	case Entitlement:
		return &EntitlementItem{
			ItemBase: base, Attribute: w.Attribute, Value: w.Value, EntitlementType: w.Type,
			Description: w.Description, SourceID: w.SourceID,
			Standalone: w.Standalone, Privileged: w.Privileged, CloudGoverned: w.CloudGoverned,
		}, nil
	case App:
		return &AppItem{ItemBase: base, AppRoleID: w.AppRoleID}, nil
	case AccessProfile:
		start, remove, err := w.dates()
		if err != nil {
			return nil, err
		}
		return &AccessProfileItem{
			ItemBase: base, Description: w.Description, SourceID: w.SourceID,
			EntitlementCount: w.EntitlementCount, AppRefs: w.AppRefs,
			StartDate: start, RemoveDate: remove, Standalone: w.Standalone, Revocable: w.Revocable,
		}, nil
	case Role:
		start, remove, err := w.dates()
		if err != nil {
			return nil, err
		}
		return &RoleItem{
			ItemBase: base, Description: w.Description, StartDate: start, RemoveDate: remove,
			Revocable: w.Revocable != nil && *w.Revocable,
		}, nil
	}
	return nil, isc.Breach("", nil, "access item %q has no accessType", w.ID)
}

func (w *wireItem) account(base ItemBase) *AccountItem {
	return &AccountItem{ItemBase: base, NativeIdentity: w.NativeIdentity, SourceID: w.SourceID, EntitlementCount: w.EntitlementCount}
}

func (w *wireItem) dates() (start, remove *time.Time, err error) {
	if start, err = isc.ParseOptionalTime(w.StartDate); err != nil {
		return nil, nil, err
	}
	if remove, err = isc.ParseOptionalTime(w.RemoveDate); err != nil {
		return nil, nil, err
	}
	return start, remove, nil
}

// items converts a decoded list, naming op in any error.
func items(op string, ws []wireItem, fallback AccessType) ([]AccessItem, error) {
	out := make([]AccessItem, len(ws))
	for i := range ws {
		it, err := ws[i].item(fallback)
		if err != nil {
			return nil, withOp(op, err)
		}
		out[i] = it
	}
	return out, nil
}

// withOp names op in a *isc.ContractError that has no operation yet.
func withOp(op string, err error) error {
	if ce, ok := err.(*isc.ContractError); ok && ce.Op == "" {
		c := *ce
		c.Op = op
		return &c
	}
	return err
}
