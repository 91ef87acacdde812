package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	slogmulti "github.com/samber/slog-multi"
)

// dropTime keeps JSON output deterministic.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func jsonLogger(buf *bytes.Buffer, r *Redactor) *slog.Logger {
	return slog.New(r.Middleware()(slog.NewJSONHandler(buf, &slog.HandlerOptions{ReplaceAttr: dropTime})))
}

func TestMiddlewareJSON(t *testing.T) {
	r, err := New(Options{Detectors: []string{DetectorBearer}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string
	}{
		{"attr", func(l *slog.Logger) { l.Info("m", "user", "bob", "password", "pw") },
			`{"level":"INFO","msg":"m","user":"bob","password":"[REDACTED]"}`},
		{"group attr", func(l *slog.Logger) { l.Info("m", slog.Group("db", "host", "h", "password", "pw")) },
			`{"level":"INFO","msg":"m","db":{"host":"h","password":"[REDACTED]"}}`},
		{"sensitive group", func(l *slog.Logger) { l.Info("m", slog.Group("credentials", "user", "u")) },
			`{"level":"INFO","msg":"m","credentials":"[REDACTED]"}`},
		{"WithGroup prefix", func(l *slog.Logger) { l.WithGroup("api").Info("m", "key", "k", "id", 1) },
			`{"level":"INFO","msg":"m","api":{"key":"[REDACTED]","id":1}}`},
		{"WithGroup sensitive", func(l *slog.Logger) { l.WithGroup("secrets").Info("m", "a", "b") },
			`{"level":"INFO","msg":"m","secrets":{"a":"[REDACTED]"}}`},
		{"WithAttrs", func(l *slog.Logger) { l.With("token", "t", "user", "u").Info("m") },
			`{"level":"INFO","msg":"m","token":"[REDACTED]","user":"u"}`},
		{"WithAttrs under group", func(l *slog.Logger) { l.WithGroup("db").With("password", "p").Info("m") },
			`{"level":"INFO","msg":"m","db":{"password":"[REDACTED]"}}`},
		{"inline group", func(l *slog.Logger) { l.Info("m", slog.Group("", "ssn", "123")) },
			`{"level":"INFO","msg":"m","ssn":"[REDACTED]"}`},
		{"map", func(l *slog.Logger) { l.Info("m", "body", map[string]any{"cvv": 123, "name": "n"}) },
			`{"level":"INFO","msg":"m","body":{"cvv":"[REDACTED]","name":"n"}}`},
		{"struct", func(l *slog.Logger) { l.Info("m", "req", login{User: "u", Password: "p"}) },
			`{"level":"INFO","msg":"m","req":{"Token":"[REDACTED]","password":"[REDACTED]","user":"u"}}`},
		{"LogValuer", func(l *slog.Logger) {
			l.Info("m", "v", valuer{slog.GroupValue(slog.String("secret", "s"), slog.String("a", "b"))})
		}, `{"level":"INFO","msg":"m","v":{"secret":"[REDACTED]","a":"b"}}`},
		{"Secret", func(l *slog.Logger) { l.Info("m", "note", Secret("s")) },
			`{"level":"INFO","msg":"m","note":"[REDACTED]"}`},
		{"value rule", func(l *slog.Logger) { l.Info("m", "h", "Bearer abcdefghijkl") },
			`{"level":"INFO","msg":"m","h":"[REDACTED]"}`},
		{"message value rule", func(l *slog.Logger) { l.Info("sent Bearer abcdefghijkl", "n", 1) },
			`{"level":"INFO","msg":"[REDACTED]","n":1}`},
		{"message not key-redacted", func(l *slog.Logger) { l.Info("password reset") },
			`{"level":"INFO","msg":"password reset"}`},
		{"many attrs", func(l *slog.Logger) {
			l.Info("m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "pwd", "x", "g", 7)
		}, `{"level":"INFO","msg":"m","a":1,"b":2,"c":3,"d":4,"e":5,"pwd":"[REDACTED]","g":7}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(jsonLogger(&buf, r))
			if got := strings.TrimSpace(buf.String()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// recorder is a slog.Handler that keeps what it is given.
type recorder struct {
	records *[]slog.Record
	attrs   []slog.Attr
	groups  []string
	enabled bool
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return h.enabled }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	*h.records = append(*h.records, r.Clone())
	return nil
}
func (h *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}
func (h *recorder) WithGroup(g string) slog.Handler {
	c := *h
	c.groups = append(append([]string(nil), h.groups...), g)
	return &c
}

func TestMiddlewareHandlerContract(t *testing.T) {
	var recs []slog.Record
	next := &recorder{records: &recs, enabled: false}
	h := Default().Middleware()(next)
	if h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Enabled not passed through (false)")
	}
	next.enabled = true
	if !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Enabled not passed through (true)")
	}
	if h.WithGroup("") != h || h.WithAttrs(nil) != h {
		t.Error("WithGroup(\"\") or WithAttrs(nil) did not return the receiver")
	}
	// The caller's attrs slice and record are not modified.
	attrs := []slog.Attr{slog.String("token", "t")}
	w := h.WithGroup("g").WithAttrs(attrs).(*handler)
	if attrs[0].Value.String() != "t" {
		t.Error("WithAttrs modified the caller's slice")
	}
	if got := w.next.(*recorder).attrs[0].Value.String(); got != Marker {
		t.Errorf("WithAttrs passed %q", got)
	}
	if g := w.next.(*recorder).groups; len(g) != 1 || g[0] != "g" {
		t.Errorf("WithGroup passed %q", g)
	}
	rec := slog.NewRecord(time.Unix(1, 0), slog.LevelWarn, "m", 42)
	rec.AddAttrs(slog.String("password", "p"), slog.Int("n", 1))
	if err := h.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	var orig []string
	rec.Attrs(func(a slog.Attr) bool { orig = append(orig, a.Value.String()); return true })
	if orig[0] != "p" {
		t.Errorf("Handle modified the caller's record: %q", orig)
	}
	got := recs[0]
	if got.Time != rec.Time || got.Level != rec.Level || got.PC != rec.PC || got.Message != "m" {
		t.Errorf("record header changed: %+v", got)
	}
	var out []string
	got.Attrs(func(a slog.Attr) bool { out = append(out, a.Key+"="+a.Value.String()); return true })
	if strings.Join(out, ",") != "password=[REDACTED],n=1" {
		t.Errorf("attrs = %q", out)
	}
	// None passes the handler through untouched.
	if None().Middleware()(next) != slog.Handler(next) {
		t.Error("None().Middleware() wrapped the handler")
	}
}

func TestMiddlewareInSlogMultiPipe(t *testing.T) {
	var buf bytes.Buffer
	h := slogmulti.Pipe(Default().Middleware()).Handler(
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	slog.New(h).WithGroup("user").Info("login", "name", "bob", "password", "pw")
	want := `{"level":"INFO","msg":"login","user":{"name":"bob","password":"[REDACTED]"}}`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestReplaceAttrJSON(t *testing.T) {
	r, _ := New(Options{Detectors: []string{DetectorJWT}, HMACKey: []byte("salt-1")})
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(g []string, a slog.Attr) slog.Attr { return dropTime(g, r.ReplaceAttr(g, a)) },
	}))
	l.WithGroup("req").With("api_key", "k").Info("m",
		slog.Group("auth", "password", "my-secret-vault", "user", "u"),
		"body", map[string]any{"token": 1, "note": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."},
		"v", valuer{slog.StringValue("x")})
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	req := got["req"].(map[string]any)
	const pw = "hmac-sha256:4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5"
	if req["api_key"] != r.Hash("k") || req["auth"].(map[string]any)["password"] != pw ||
		req["auth"].(map[string]any)["user"] != "u" || req["v"] != "x" {
		t.Errorf("unexpected output %s", buf.String())
	}
	body := req["body"].(map[string]any)
	if body["token"] != Marker || !strings.HasPrefix(body["note"].(string), HashPrefix) {
		t.Errorf("body = %v", body)
	}
	if None().ReplaceAttr([]string{"a"}, slog.String("password", "p")).Value.String() != "p" {
		t.Error("None().ReplaceAttr redacted")
	}
}

func TestReplaceAttrKeepsBuiltins(t *testing.T) {
	var buf bytes.Buffer
	r := Default()
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		AddSource: true,
		ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
			a = r.ReplaceAttr(g, a)
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case slog.LevelKey:
				if _, ok := a.Value.Any().(slog.Level); !ok {
					t.Errorf("level became %T", a.Value.Any())
				}
			case slog.SourceKey:
				if _, ok := a.Value.Any().(*slog.Source); !ok {
					t.Errorf("source became %T", a.Value.Any())
				}
			}
			return a
		},
	}))
	l.Info("m", "n", 1)
	if !strings.Contains(buf.String(), "middleware_test.go:") {
		t.Errorf("source lost its text form: %s", buf.String())
	}
}

func TestZeroRedactor(t *testing.T) {
	var r Redactor
	if r.IsSensitiveKey("password") || r.rules.MatchValue("x") {
		t.Error("zero Redactor redacts")
	}
}

// handlers builds a logger for every way a Redactor sits in front of the
// standard handlers, writing to buf. With None the loggers are the plain
// handlers, which is what the application would have without redaction.
func adapters(r *Redactor, buf *bytes.Buffer) map[string]*slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: dropTime}
	ra := &slog.HandlerOptions{ReplaceAttr: func(g []string, a slog.Attr) slog.Attr { return dropTime(g, r.ReplaceAttr(g, a)) }}
	return map[string]*slog.Logger{
		"Middleware+JSON":  slog.New(r.Middleware()(slog.NewJSONHandler(buf, opts))),
		"Middleware+Text":  slog.New(r.Middleware()(slog.NewTextHandler(buf, opts))),
		"ReplaceAttr+JSON": slog.New(slog.NewJSONHandler(buf, ra)),
		"ReplaceAttr+Text": slog.New(slog.NewTextHandler(buf, ra)),
	}
}

func TestAdaptersErrorsAreText(t *testing.T) {
	const pw = "hunter2-secret"
	log := func(l *slog.Logger) {
		e := &fieldsErr{"connect", pw}
		l.Info("m", "errs", []error{e}, "ctx", map[string]any{"cause": e},
			"jerr", jsonErr{"bob", pw}, "terr", textErr{pw}, "err", e)
		l.With("werr", jsonErr{"bob", pw}).Info("m")
	}
	// Without redaction each of these handlers shows the password.
	var plain bytes.Buffer
	for name, l := range adapters(None(), &plain) {
		plain.Reset()
		log(l)
		if !strings.Contains(plain.String(), pw) {
			t.Fatalf("control: %s without redaction does not show the password:\n%s", name, plain.String())
		}
	}
	var buf bytes.Buffer
	for name, l := range adapters(Default(), &buf) {
		buf.Reset()
		log(l)
		out := buf.String()
		if strings.Contains(out, pw) {
			t.Errorf("%s leaks:\n%s", name, out)
		}
		for _, text := range []string{"db: connect failed", "login failed", "bad token"} {
			if !strings.Contains(out, text) {
				t.Errorf("%s lost the error text %q:\n%s", name, text, out)
			}
		}
	}
}

func TestAdaptersMaskMapKeysMatchingValueRules(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln"
	r, err := New(Options{Detectors: []string{DetectorJWT}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for name, l := range adapters(r, &buf) {
		buf.Reset()
		l.Info("m", "sessions", map[string]int{jwt: 2}, slog.Group("g", "m", map[any]int{jwt: 3}))
		l.With("w", map[string]int{jwt: 4}).Info("m")
		out := buf.String()
		if strings.Contains(out, jwt) {
			t.Errorf("%s leaks a map key:\n%s", name, out)
		}
		if strings.Count(out, Marker) != 3 {
			t.Errorf("%s: want 3 masked keys:\n%s", name, out)
		}
		// Attribute keys are the program's own and are not scanned, so
		// that value rules cost nothing per plain key; the package
		// documentation states this limit.
		buf.Reset()
		l.Info("m", slog.Int(jwt, 1))
		if !strings.Contains(buf.String(), jwt) {
			t.Errorf("%s: attribute keys are scanned now; update the documentation:\n%s", name, buf.String())
		}
	}
}

func TestAdaptersNilAny(t *testing.T) {
	var buf bytes.Buffer
	for name, l := range adapters(Default(), &buf) {
		buf.Reset()
		l.Info("m", "x", nil, "e", error(nil), "p", (*fieldsErr)(nil))
		if buf.Len() == 0 || strings.Contains(buf.String(), "PANIC") {
			t.Errorf("%s: %s", name, buf.String())
		}
	}
}

// acctRef is a named integer whose MarshalJSON shows more than the number.
type acctRef int

func (a acctRef) MarshalJSON() ([]byte, error) {
	return []byte(`{"id":` + strconv.Itoa(int(a)) + `,"token":"tok-hunter2"}`), nil
}

func TestAdaptersNamedScalars(t *testing.T) {
	var buf bytes.Buffer
	for name, l := range adapters(Default(), &buf) {
		buf.Reset()
		l.Info("m", "acct", acctRef(7), "n", smallInt(3))
		out := buf.String()
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "7") || !strings.Contains(out, "3") {
			t.Errorf("%s: %s", name, out)
		}
	}
}
