package modelaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

const scopeName = "github.com/secaudit/auditkit/modelaudit"

func setDefault(t *testing.T, l *slog.Logger) {
	t.Helper()
	old := slog.Default()
	slog.SetDefault(l)
	t.Cleanup(func() { slog.SetDefault(old) })
}

type modelCase struct {
	name   string
	pkg    func(ctx context.Context)
	method func(ctx context.Context, lg *modelaudit.Logger)
	typ    string
	attrs  map[string]any // besides event_type and otel.scope.name
}

func modelCases() []modelCase {
	return []modelCase{
		{
			name:   "Created",
			pkg:    func(ctx context.Context) { modelaudit.Created(ctx, "invoice", 17) },
			method: func(ctx context.Context, lg *modelaudit.Logger) { lg.Created(ctx, "invoice", 17) },
			typ:    "model.create",
			attrs:  map[string]any{"model": "invoice", "object_id": "17", "crud_action": "create", "user.id": "42"},
		},
		{
			name: "Updated",
			pkg: func(ctx context.Context) {
				modelaudit.Updated(ctx, "invoice", "inv-9", []string{"amount", "due"}, slog.String("tenant", "t1"))
			},
			method: func(ctx context.Context, lg *modelaudit.Logger) {
				lg.Updated(ctx, "invoice", "inv-9", []string{"amount", "due"}, slog.String("tenant", "t1"))
			},
			typ: "model.update",
			attrs: map[string]any{"model": "invoice", "object_id": "inv-9", "crud_action": "update", "user.id": "42",
				"changed_fields": []string{"amount", "due"}, "tenant": "t1"},
		},
		{
			name: "Updated/noChanges",
			pkg:  func(ctx context.Context) { modelaudit.Updated(ctx, "invoice", uint64(1<<63), nil) },
			method: func(ctx context.Context, lg *modelaudit.Logger) {
				lg.Updated(ctx, "invoice", uint64(1<<63), []string{})
			},
			typ:   "model.update",
			attrs: map[string]any{"model": "invoice", "object_id": "9223372036854775808", "crud_action": "update", "user.id": "42"},
		},
		{
			name:   "Deleted",
			pkg:    func(ctx context.Context) { modelaudit.Deleted(ctx, "invoice", int64(-3)) },
			method: func(ctx context.Context, lg *modelaudit.Logger) { lg.Deleted(ctx, "invoice", int64(-3)) },
			typ:    "model.delete",
			attrs:  map[string]any{"model": "invoice", "object_id": "-3", "crud_action": "delete", "user.id": "42"},
		},
		{
			name:   "Accessed",
			pkg:    func(ctx context.Context) { modelaudit.Accessed(ctx, "patient", stringer("p-1")) },
			method: func(ctx context.Context, lg *modelaudit.Logger) { lg.Accessed(ctx, "patient", stringer("p-1")) },
			typ:    "model.access",
			attrs:  map[string]any{"model": "patient", "object_id": "id:p-1", "crud_action": "access", "user.id": "42"},
		},
		{
			name:   "Accessed/nilID",
			pkg:    func(ctx context.Context) { modelaudit.Accessed(ctx, "report", nil) },
			method: func(ctx context.Context, lg *modelaudit.Logger) { lg.Accessed(ctx, "report", nil) },
			typ:    "model.access",
			attrs:  map[string]any{"model": "report", "crud_action": "access", "user.id": "42"},
		},
	}
}

type stringer string

func (s stringer) String() string { return "id:" + string(s) }

// userCtx is a request scope whose acting user is 42.
func userCtx() context.Context {
	ctx := slogaudit.ContextWithAttrs(context.Background())
	slogaudit.SetUser(ctx, slogaudit.User{ID: "42", Name: "maya"})
	return ctx
}

func TestEvents(t *testing.T) {
	for _, tc := range modelCases() {
		want := maps.Clone(tc.attrs)
		want["event_type"] = tc.typ
		want["otel.scope.name"] = scopeName

		check := func(t *testing.T, h *recorder) {
			r := h.Only(t)
			if r.Level != slog.LevelInfo || r.Message != "model.event" {
				t.Errorf("level %v body %q, want INFO model.event", r.Level, r.Message)
			}
			got, dups := attrMap(r)
			if len(dups) > 0 {
				t.Errorf("duplicate keys %v", dups)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("attrs\n got %v\nwant %v", got, want)
			}
			f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
			if !strings.HasSuffix(f.File, "/model_test.go") {
				t.Errorf("source = %s:%d, want the call site in model_test.go", f.File, f.Line)
			}
		}
		t.Run(tc.name+"/pkg", func(t *testing.T) {
			h := &recorder{}
			setDefault(t, slog.New(h))
			tc.pkg(userCtx())
			check(t, h)
		})
		t.Run(tc.name+"/method", func(t *testing.T) {
			h := &recorder{}
			tc.method(userCtx(), modelaudit.New(slog.New(h)))
			check(t, h)
		})
	}
}

func TestNoActingUser(t *testing.T) {
	h := &recorder{}
	lg := modelaudit.New(slog.New(h))
	lg.Created(context.Background(), "invoice", 1)
	lg.Created(slogaudit.ContextWithAttrs(context.Background()), "invoice", 2) // scope, no user
	for _, r := range h.Records() {
		if got, _ := attrMap(r); got["user.id"] != nil {
			t.Errorf("user.id = %v without an acting user", got["user.id"])
		}
	}
	if len(h.Records()) != 2 {
		t.Fatalf("%d records, want 2", len(h.Records()))
	}
}

func TestOwnKeysWin(t *testing.T) {
	h := &recorder{}
	modelaudit.New(slog.New(h)).Deleted(userCtx(), "invoice", 5,
		slog.String("event_type", "model.access"), slog.String("object_id", "6"),
		slog.String("crud_action", "access"), slog.String("user.id", "1"),
		slog.String("otel.scope.version", "v9"), slog.String("reason", "gdpr"))
	got, dups := attrMap(h.Only(t))
	want := map[string]any{"event_type": "model.delete", "otel.scope.name": scopeName, "model": "invoice",
		"object_id": "5", "crud_action": "delete", "user.id": "42", "reason": "gdpr"}
	if len(dups) > 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("attrs %v (dups %v), want %v", got, dups, want)
	}
}

type panicky struct{ p *int }

func (p *panicky) String() string { return fmt.Sprint(*p.p) }

// TestIDNeverPanics: an id whose String panics on a nil receiver must not
// break the caller.
func TestIDNeverPanics(t *testing.T) {
	h := &recorder{}
	var id *panicky
	modelaudit.New(slog.New(h)).Accessed(context.Background(), "x", id)
	got, _ := attrMap(h.Only(t))
	if s, _ := got["object_id"].(string); s == "" {
		t.Fatalf("object_id = %v, want fmt's rendering", got["object_id"])
	}
}

func TestDisabled(t *testing.T) {
	h := &recorder{Level: slog.Level(100)}
	setDefault(t, slog.New(h))
	for _, tc := range modelCases() {
		tc.pkg(userCtx())
		tc.method(userCtx(), modelaudit.New(slog.New(h)))
	}
	if h.Calls() != 0 {
		t.Fatalf("disabled handler got %d Handle calls", h.Calls())
	}
}

func TestDisabledAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	setDefault(t, slog.New(&recorder{Level: slog.Level(100)}))
	lg := modelaudit.New(slog.New(&recorder{Level: slog.Level(100)}))
	ctx := userCtx()
	changed := []string{"amount"}
	allocs := testing.AllocsPerRun(100, func() {
		lg.Created(ctx, "invoice", 17, slog.String("k", "v"))
		lg.Updated(ctx, "invoice", "inv-9", changed)
		lg.Deleted(ctx, "invoice", 17)
		lg.Accessed(ctx, "invoice", 17)
		modelaudit.Updated(ctx, "invoice", 17, changed, slog.Int("n", 1))
	})
	if allocs != 0 {
		t.Errorf("disabled model events allocate %v times per run, want 0", allocs)
	}
}

func TestAddSourceNamesCallSite(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true}))
	setDefault(t, l)
	ctx := context.Background()
	here := func() int { _, _, line, _ := runtime.Caller(1); return line }

	var lines []int
	lines = append(lines, here()+1)
	modelaudit.Updated(ctx, "invoice", 1, []string{"amount"})
	lines = append(lines, here()+1)
	modelaudit.New(l).Deleted(ctx, "invoice", 1)

	_, file, _, _ := runtime.Caller(0)
	dec := json.NewDecoder(&buf)
	for i, want := range lines {
		var rec struct {
			Source struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"source"`
		}
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if rec.Source.File != file || rec.Source.Line != want {
			t.Errorf("record %d: source %s:%d, want %s:%d", i, rec.Source.File, rec.Source.Line, file, want)
		}
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		t.Errorf("more records than calls (%v)", err)
	}
}
