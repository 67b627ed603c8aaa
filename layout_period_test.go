package ossappend

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, wherever the tests run
)

// mustLayout parses a layout in the zone named loc.
func mustLayout(t *testing.T, s, loc string) *layout {
	t.Helper()
	zone, err := time.LoadLocation(loc)
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLayout(s, zone)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestPeriodEnds: the end of each kind of period, by the calendar.
func TestPeriodEnds(t *testing.T) {
	for _, tc := range []struct {
		layout string
		at     time.Time
		key    string
		end    time.Time
	}{
		{"%Y", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), "2026", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"%Y-%m", time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), "2026-01", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"%Y-%m", time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC), "2026-12", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"%Y-%m-%d", time.Date(2028, 2, 28, 10, 0, 0, 0, time.UTC), "2028-02-28", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"%Y-%m-%d/%H", time.Date(2026, 12, 6, 23, 10, 0, 0, time.UTC), "2026-12-06/23", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
		{"%Y-%m-%d/%H%M", time.Date(2026, 12, 6, 10, 59, 30, 0, time.UTC), "2026-12-06/1059", time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)},
		{"%Y-%m-%d/%H%M%S", time.Date(2026, 12, 6, 10, 59, 59, 999, time.UTC), "2026-12-06/105959", time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)},
		{"%Y-%m-%d/%H%M%S", time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), "2026-12-06/100000", time.Date(2026, 12, 6, 10, 0, 1, 0, time.UTC)},
	} {
		p := mustLayout(t, tc.layout, "UTC").periodOf(tc.at)
		if p.key != tc.key || !p.end.Equal(tc.end) {
			t.Errorf("%s at %v: period %q until %v, want %q until %v", tc.layout, tc.at, p.key, p.end, tc.key, tc.end)
		}
	}
	if p := mustLayout(t, "logs/app", "UTC").periodOf(time.Now()); !p.end.IsZero() {
		t.Errorf("a layout without time verbs has a period that ends at %v", p.end)
	}
}

// TestPeriodsAcrossDaylightSaving: in New York, across both changes of
// 2026, every period of an hour, a minute and a second lasts exactly that
// long and ends after the moment it holds; the next period begins where
// it ends, named by its own local time, and periods of a day end at local
// midnight.
func TestPeriodsAcrossDaylightSaving(t *testing.T) {
	for _, change := range []time.Time{
		time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC),  // 01:00 EST; at 02:00 the clock goes to 03:00
		time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), // 00:00 EDT; at 02:00 EDT the clock goes back to 01:00 EST
	} {
		for _, tc := range []struct {
			layout string
			unit   time.Duration
			step   time.Duration
		}{
			{"%Y-%m-%d/%H", time.Hour, 7 * time.Minute},
			{"%Y-%m-%d/%H-%M", time.Minute, 13 * time.Second},
			{"%Y-%m-%d/%H-%M-%S", time.Second, 317 * time.Millisecond},
		} {
			l := mustLayout(t, tc.layout, "America/New_York")
			from, span := change, 4*time.Hour
			if tc.unit == time.Second {
				from, span = change.Add(2*time.Hour-5*time.Minute), 10*time.Minute // around the change itself
			}
			for at := from; at.Before(from.Add(span)); at = at.Add(tc.step) {
				p := l.periodOf(at)
				start := p.end.Add(-tc.unit)
				switch {
				case !p.end.After(at) || start.After(at):
					t.Fatalf("%s at %v: period %q until %v does not hold it", tc.layout, at.In(l.loc), p.key, p.end.In(l.loc))
				case l.periodOf(start).key != p.key || !l.periodOf(start).end.Equal(p.end):
					t.Fatalf("%s at %v: period %q until %v, but its start %v is in period %q", tc.layout, at.In(l.loc), p.key, p.end.In(l.loc), start.In(l.loc), l.periodOf(start).key)
				case l.periodOf(p.end).key != l.expand(p.end):
					t.Fatalf("%s: the period after %v is not named by its own time", tc.layout, p.end.In(l.loc))
				}
			}
		}
		day := mustLayout(t, "%Y-%m-%d", "America/New_York")
		p := day.periodOf(change)
		if local := p.end.In(day.loc); local.Hour() != 0 || local.Minute() != 0 || !p.end.After(change) {
			t.Errorf("the day of %v ends at %v, want local midnight after it", change.In(day.loc), local)
		}
	}
}

// TestPeriodOfASkippedDay: Samoa went from 29 December 2011 straight to
// the 31st. The day of the 29th ends where the 31st begins, not at a
// midnight that never was.
func TestPeriodOfASkippedDay(t *testing.T) {
	l := mustLayout(t, "%Y-%m-%d", "Pacific/Apia")
	at := time.Date(2011, 12, 29, 23, 30, 0, 0, l.loc)
	p := l.periodOf(at)
	if p.key != "2011-12-29" || !p.end.After(at) {
		t.Fatalf("period %q until %v", p.key, p.end)
	}
	if next := l.periodOf(p.end); next.key != "2011-12-31" || !p.end.Equal(at.Add(30*time.Minute)) {
		t.Fatalf("the day of the 29th ends at %v, followed by %q: want the 31st, half an hour after %v", p.end, next.key, at)
	}
}
