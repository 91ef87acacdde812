package slogaudit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// The one-key-once promise: no line, in either format, holds a key twice in
// any object, whatever mix of request scope, With attributes, open groups,
// group values, dotted keys and library keys a record brings. genRecord
// builds such a mix from bytes, so the fuzz target and the seeded property
// run below share it.

// dupKeys is the key pool: library keys, their parts (so groups can spell
// them: "session" > "id"), dotted spellings, sensitive keys and plain ones.
var dupKeys = []string{
	"a", "b", "a.b", "", "app", "app.a",
	KeyEventType, KeySchemaVersion, KeyRequestID, KeySessionID, "session", "id",
	KeyClientAddress, "client", "address", KeyPeerAddress, KeyUserID, KeyUserName, "user", "name",
	KeyCodeFunction, KeyCodeLine, "_truncated", KeyDroppedAttributes, KeyScopeName, "otel", "scope",
	"password", "token", "request.body.username", "request", "body", "username",
}

// dupGen reads choices from fuzz bytes; past the end every choice is 0.
type dupGen struct {
	b []byte
	i int
}

func (g *dupGen) n(k int) int {
	if g.i >= len(g.b) {
		return 0
	}
	c := g.b[g.i]
	g.i++
	return int(c) % k
}

func (g *dupGen) key() string { return dupKeys[g.n(len(dupKeys))] }

// renamedFields is a struct whose JSON names collide once the Go names are
// judged too.
type renamedFields struct {
	Password string `json:"p"`
	P        string `json:"p2"`
	Token    string `json:"id"`
}

func (g *dupGen) value(depth int) slog.Value {
	switch g.n(12) {
	case 0:
		return slog.StringValue("v")
	case 1:
		return slog.IntValue(g.n(100))
	case 2:
		return slog.StringValue(testJWT)
	case 3:
		return slog.StringValue(strings.Repeat("long", 300)) // makes MaxRecordBytes cut
	case 4, 5:
		if depth < 3 {
			n := g.n(4)
			attrs := make([]slog.Attr, n)
			for i := range attrs {
				attrs[i] = slog.Attr{Key: g.key(), Value: g.value(depth + 1)}
			}
			return slog.GroupValue(attrs...)
		}
		return slog.StringValue("deep")
	case 6:
		return slog.AnyValue(map[string]any{g.key(): "x", g.key(): 1, "Bearer abcdefgh12345678": 2, "Bearer abcdefgh12345679": 3})
	case 7:
		return slog.AnyValue(renamedFields{"hunter2", "p", "t"})
	case 8:
		return slog.AnyValue([]byte("Bearer abcdefgh12345678"))
	case 9:
		return slog.AnyValue(errors.New("dial postgres://app:S3cret@db/prod"))
	case 10:
		return slog.AnyValue(redact.Pseudonym("5e55"))
	}
	return slog.AnyValue(lazy{slog.GroupValue(slog.String(g.key(), "lv"), slog.String(g.key(), "lv2"))})
}

func (g *dupGen) attr(depth int) slog.Attr { return slog.Attr{Key: g.key(), Value: g.value(depth)} }

// genRecord returns a handler (with its open groups and With attributes), a
// context (with a request scope) and a record, all chosen by b. opts gets
// the chosen options; w is the writer.
func genRecord(b []byte, w *lineBuffer) (slog.Handler, context.Context, slog.Record, *Options) {
	g := &dupGen{b: b}
	o := withClock(&Options{ServiceName: "svc"})
	switch g.n(4) {
	case 1:
		o.Redactor = redact.None()
	case 2:
		r, _ := redact.New(redact.Options{HMACKey: []byte("0123456789abcdef")})
		o.Redactor = r
	}
	o.IncludeUsernames = g.n(2) == 1
	if g.n(2) == 1 {
		o.Format = FormatOTLPJSON
	}
	if g.n(3) == 1 {
		o.Limits = Limits{MaxAttrs: 3, MaxRecordBytes: 1024, MaxStringLen: 64, MaxMapEntries: 2}
	}
	if g.n(4) == 1 {
		o.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "a" {
				a.Key = KeySessionID // renamed onto a library key
			}
			return a
		}
	}
	ctx := context.Background()
	if n := g.n(5); n > 0 {
		attrs := make([]slog.Attr, n)
		for i := range attrs {
			if g.n(2) == 0 {
				attrs[i] = produced(g.key(), "scope")
			} else {
				attrs[i] = g.attr(1)
			}
		}
		ctx = ContextWithAttrs(ctx, attrs...)
		if g.n(2) == 1 {
			SetUser(ctx, User{ID: "42", Name: "maya"})
		}
		if g.n(3) == 1 {
			ctx = ContextWithAttrs(ctx, g.attr(1))
		}
	}
	var h slog.Handler = NewHandler(w, o)
	for range g.n(4) {
		if g.n(2) == 0 {
			h = h.WithAttrs([]slog.Attr{g.attr(0), g.attr(0)})
		} else if k := g.key(); k != "" {
			h = h.WithGroup(k)
		}
	}
	r := slog.NewRecord(recTime, slog.LevelInfo, "msg", 0)
	for range g.n(7) {
		r.AddAttrs(g.attr(0))
	}
	return h, ctx, r, o
}

// checkOneLine checks the one-key-once promise on what a handler wrote.
func checkOneLine(out string, o *Options) error {
	line := strings.TrimSuffix(out, "\n")
	if strings.Count(out, "\n") != 1 || line == out {
		return fmt.Errorf("not one line: %q", out)
	}
	var err error
	if o.Format == FormatOTLPJSON {
		_, err = checkOTLP(line)
	} else {
		err = validateNoDup(line)
	}
	if err != nil {
		return fmt.Errorf("%v:\n%s", err, line)
	}
	return nil
}

func FuzzNoDuplicateKeys(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("session"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var buf lineBuffer
		h, ctx, r, o := genRecord(b, &buf)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := checkOneLine(buf.String(), o); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoDuplicateKeysProperty runs the generator over many seeded inputs, in
// CI, and checks that the generator can produce what the property forbids:
// the same inputs through slog.JSONHandler (which keeps duplicates) give a
// duplicate key in a good share of the lines, so a passing run is not an
// accident of tame input.
func TestNoDuplicateKeysProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	controlDups := 0
	const runs = 3000
	for i := range runs {
		b := make([]byte, 8+rng.IntN(56))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		var buf lineBuffer
		h, ctx, r, o := genRecord(b, &buf)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := checkOneLine(buf.String(), o); err != nil {
			t.Fatalf("input %d %x: %v", i, b, err)
		}

		// Control: slog's own JSON handler, same scope flattened into the
		// record the way the audit handler merges it.
		var ctl strings.Builder
		var ch slog.Handler = slog.NewJSONHandler(&ctl, nil)
		ch = ch.WithAttrs([]slog.Attr{slog.String(KeySchemaVersion, "1.0"), slog.String(KeyRequestID, "r")})
		r2 := slog.NewRecord(recTime, slog.LevelInfo, "msg", 0)
		r.Attrs(func(a slog.Attr) bool { r2.AddAttrs(a); return true })
		if s := requestScopeFrom(ctx); s != nil {
			r2.AddAttrs(s.attrs...)
		}
		_ = ch.Handle(context.Background(), r2)
		if validateNoDup(strings.TrimSuffix(ctl.String(), "\n")) != nil {
			controlDups++
		}
	}
	if controlDups < runs/20 {
		t.Fatalf("control: only %d of %d generated records collide in slog.JSONHandler; the generator is too tame", controlDups, runs)
	}
	t.Logf("control: %d of %d records have a duplicate key in slog.JSONHandler", controlDups, runs)
}

// The duplicate-key cases found in review, spelled out.
func TestNoDuplicateKeysReported(t *testing.T) {
	scope := ContextWithAttrs(context.Background(), slog.Any(KeySessionID, redact.Pseudonym("5e55")))
	for _, format := range []Format{FormatJSONL, FormatOTLPJSON} {
		var buf lineBuffer
		o := withClock(&Options{Format: format})
		h := NewHandler(&buf, o)
		r := record(slog.LevelInfo, "m", slog.Group("session", slog.Group("id", slog.String("raw", "cookie"))))
		if err := h.Handle(scope, r); err != nil {
			t.Fatal(err)
		}
		if err := checkOneLine(buf.String(), o); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "5e55") {
			t.Errorf("format %v: the scope's session.id must win: %s", format, buf.String())
		}
	}
}
