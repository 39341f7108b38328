package cache

import (
	"encoding/json"
	"fmt"
)

// identityJSON is a typical getHistoricalIdentity answer (~500 bytes).
func identityJSON() []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "bc693f07e7b645539626c25954c58554", "displayName": "Adam Zampa",
		"snapshot":        "2025-03-01T13:00:00.000Z",
		"accessItemCount": map[string]int{"app": 0, "role": 2, "entitlement": 4, "accessProfile": 3, "account": 1},
		"attributes": map[string]any{
			"jobTitle": "HR Manager", "location": "NYC", "firstname": "Adam", "lastname": "Zampa",
			"department": "HR", "email": "adam.zampa@example.com", "manager": "Mary Brown",
			"employeeNumber": "E1024", "costCenter": "CC-4410", "startDate": "2019-06-03",
		},
	})
	return b
}

// accessPageJSON is a full 250-item listIdentityAccessItems page of
// accounts (~55 KB).
func accessPageJSON() []byte {
	items := make([]map[string]any, 250)
	for i := range items {
		items[i] = map[string]any{
			"id": fmt.Sprintf("2c918087763e69d901763e72e97f%04x", i), "accessType": "account",
			"displayName": fmt.Sprintf("Account %d of Adam Zampa", i), "sourceName": fmt.Sprintf("Source-%d", i%7),
			"nativeIdentity": fmt.Sprintf("adam.zampa.%d", i), "sourceId": fmt.Sprintf("2793o32dwd%02d", i%7),
			"entitlementCount": i % 13,
		}
	}
	b, _ := json.Marshal(items)
	return b
}
