package bench

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// DefaultSeed is the seed of the workload every scenario uses.
const DefaultSeed = 5

// A Workload is a deterministic stream of realistic JSON log events: HTTP
// access lines, database queries, cache misses, retries and errors, each
// with a sequence number, rendered by slog's JSON handler into lines of
// about 150 to 250 bytes. Events cycle through a ring drawn from the seed;
// the sequence number and the timestamp make every line distinct.
type Workload struct {
	events []event
	start  time.Time
}

// event is one log call: level, message and attributes (seq excluded).
type event struct {
	level slog.Level
	msg   string
	attrs []slog.Attr
}

// ringSize is how many distinct events a Workload draws before it repeats
// them (with new sequence numbers and times).
const ringSize = 1 << 17

// NewWorkload draws the workload of seed.
func NewWorkload(seed uint64) *Workload {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := &Workload{start: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	for range ringSize {
		w.events = append(w.events, drawEvent(r))
	}
	return w
}

// Log logs event i through logger, with seq=i as its first attribute.
func (w *Workload) Log(ctx context.Context, logger *slog.Logger, i int) {
	e := &w.events[i%len(w.events)]
	logger.LogAttrs(ctx, e.level, e.msg, w.attrs(e, i)...)
}

// attrs are event e's attributes for line i, seq first.
func (w *Workload) attrs(e *event, i int) []slog.Attr {
	a := make([]slog.Attr, 0, len(e.attrs)+1)
	a = append(a, slog.Int("seq", i))
	return append(a, e.attrs...)
}

// Text renders lines from first on, with deterministic timestamps, until
// it has n bytes, and returns exactly n bytes (the last line may be cut).
func (w *Workload) Text(n int) []byte {
	var buf bytes.Buffer
	buf.Grow(n + 512)
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	for i := 0; buf.Len() < n; i++ {
		e := &w.events[i%len(w.events)]
		rec := slog.NewRecord(w.start.Add(time.Duration(i)*137*time.Microsecond), e.level, e.msg, 0)
		rec.AddAttrs(w.attrs(e, i)...)
		if err := h.Handle(context.Background(), rec); err != nil {
			panic(err) // a bytes.Buffer does not fail
		}
	}
	return buf.Bytes()[:n]
}

var (
	services  = []string{"checkout", "catalog", "payments", "accounts", "search", "shipping"}
	hosts     = []string{"ip-10-0-1-17", "ip-10-0-1-42", "ip-10-0-2-8", "ip-10-0-3-101"}
	methods   = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	resources = []string{"orders", "users", "carts", "products", "invoices"}
	tables    = []string{"orders", "order_items", "users", "inventory", "payments"}
	upstreams = []string{"inventory.svc:8080", "pricing.svc:8443", "auth.svc:9000"}
	reasons   = []string{"insufficient_funds", "card_expired", "fraud_suspected", "limit_exceeded"}
	errs      = []string{"context deadline exceeded", "connection reset by peer", "503 Service Unavailable"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func hex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// drawEvent draws one event: mostly access lines, as in a web service.
func drawEvent(r *rand.Rand) event {
	svc := slog.String("service", pick(r, services))
	host := slog.String("host", pick(r, hosts))
	switch k := r.IntN(100); {
	case k < 55:
		status := 200
		if s := r.IntN(50); s == 0 {
			status = 500
		} else if s < 4 {
			status = 404
		}
		return event{slog.LevelInfo, "request served", []slog.Attr{svc,
			slog.String("method", pick(r, methods)),
			slog.String("path", fmt.Sprintf("/api/v1/%s/%d", pick(r, resources), r.IntN(1_000_000))),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(r.IntN(250_000))/1000),
			slog.Int("bytes", r.IntN(64<<10)),
			slog.String("trace_id", hex(r, 16)),
		}}
	case k < 75:
		return event{slog.LevelDebug, "query executed", []slog.Attr{svc,
			slog.String("table", pick(r, tables)),
			slog.Int("rows", r.IntN(500)),
			slog.Float64("duration_ms", float64(r.IntN(80_000))/1000),
			slog.String("query_id", hex(r, 12)),
		}}
	case k < 88:
		return event{slog.LevelInfo, "cache miss", []slog.Attr{svc, host,
			slog.String("key", fmt.Sprintf("%s:%d:profile", pick(r, resources), r.IntN(100_000))),
			slog.Int("ttl_s", 60*(1+r.IntN(30))),
		}}
	case k < 96:
		return event{slog.LevelWarn, "retrying upstream call", []slog.Attr{svc,
			slog.String("upstream", pick(r, upstreams)),
			slog.Int("attempt", 1+r.IntN(4)),
			slog.Int("backoff_ms", 100<<r.IntN(5)),
			slog.String("error", pick(r, errs)),
		}}
	default:
		return event{slog.LevelError, "payment declined", []slog.Attr{svc,
			slog.String("order_id", "ord_"+hex(r, 10)),
			slog.Float64("amount", float64(r.IntN(100_000))/100),
			slog.String("currency", pick(r, []string{"USD", "EUR", "CNY"})),
			slog.String("reason", pick(r, reasons)),
		}}
	}
}
