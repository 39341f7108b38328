package simtenant

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// PCG streams of the identity-history data; each timeline adds its
// identity's index to histStreamTimeline.
const (
	histStreamRoster   uint64 = 0x4869_7374_0000_0001
	histStreamCatalog  uint64 = 0x4869_7374_0000_0002
	histStreamTimeline uint64 = 0x4869_7374_1000_0000
)

const histDay = 24 * time.Hour

var (
	histFirstNames = []string{
		"Ada", "Adam", "Aisha", "Alan", "Amara", "Ana", "Arjun", "Ben", "Bianca", "Carlos",
		"Chen", "Chloe", "Dana", "David", "Diego", "Elena", "Emeka", "Emma", "Farah", "Felix",
		"Grace", "Hana", "Hugo", "Ines", "Isaac", "Ivan", "Jamal", "Jin", "Jon", "Kai",
		"Karin", "Leila", "Liam", "Lucia", "Maya", "Mateo", "Mei", "Nadia", "Noah", "Olga",
		"Omar", "Priya", "Quinn", "Rafael", "Rosa", "Sakura", "Sam", "Sofia", "Tariq", "Tom",
		"Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
	}
	histLastNames = []string{
		"Abbott", "Adeyemi", "Alvarez", "Andersen", "Baker", "Bauer", "Castillo", "Chen", "Cohen", "Das",
		"Dubois", "Eriksen", "Fischer", "Garcia", "Gupta", "Hansen", "Hernandez", "Ito", "Jensen", "Kim",
		"Kowalski", "Lee", "Lopez", "Martin", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Okafor",
		"Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Schmidt", "Silva", "Singh", "Smith", "Tanaka",
		"Torres", "Umar", "Vargas", "Walsh", "Weber", "Xu", "Yamamoto", "Zampa", "Zhang", "Zielinski",
	}
	histServiceNames = []string{"backup", "build", "deploy", "etl", "monitoring", "payroll-sync", "reporting", "scanner"}
)

// histBetween draws an instant in [from, to), at millisecond precision as
// ISC reports instants. It returns from when the range is empty.
func histBetween(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from).Milliseconds()
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(span)) * time.Millisecond)
}

// histRoster draws n identities: about 2% service identities, 8% deleted,
// 7% inactive but not deleted, started up to five years before horizon.
func histRoster(seed uint64, n int, horizon time.Time) []*identity {
	r := rand.New(rand.NewPCG(seed, histStreamRoster))
	people := make([]*identity, n)
	for i := range people {
		p := &identity{ID: hexID32(r), index: i}
		if r.IntN(50) == 0 {
			p.DisplayName = fmt.Sprintf("svc-%s-%02d", histServiceNames[r.IntN(len(histServiceNames))], r.IntN(100))
			p.email = p.DisplayName + "@acme.example"
		} else {
			p.FirstName = histFirstNames[r.IntN(len(histFirstNames))]
			p.LastName = histLastNames[r.IntN(len(histLastNames))]
			p.DisplayName = p.FirstName + " " + p.LastName
			p.email = strings.ToLower(p.FirstName+"."+p.LastName) + "@acme.example"
		}
		p.StartDate = histBetween(r, horizon.Add(-5*365*histDay), horizon.Add(-30*histDay)).UTC()
		p.manager = i
		if n > 1 {
			if p.manager = r.IntN(n - 1); p.manager >= i {
				p.manager++
			}
		}
		tenure := horizon.Sub(p.StartDate)
		switch u := r.Float64(); {
		case u < 0.08 && tenure > 90*histDay:
			inactive := histBetween(r, p.StartDate.Add(60*histDay), horizon.Add(-2*histDay))
			last := inactive.Add(30 * histDay)
			if last.After(horizon) {
				last = horizon
			}
			deleted := histBetween(r, inactive.Add(histDay), last)
			p.InactiveDate, p.DeletedDate = &inactive, &deleted
		case u < 0.15 && tenure > 60*histDay:
			inactive := histBetween(r, p.StartDate.Add(30*histDay), horizon.Add(-histDay))
			p.InactiveDate = &inactive
		default:
			p.Active = true
		}
		people[i] = p
	}
	return people
}

// histSortedByName returns people sorted by display name, then id.
func histSortedByName(people []*identity) []*identity {
	out := slices.Clone(people)
	slices.SortFunc(out, func(a, b *identity) int {
		return cmp.Or(strings.Compare(a.DisplayName, b.DisplayName), strings.Compare(a.ID, b.ID))
	})
	return out
}
