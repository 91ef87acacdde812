package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// sid is a session id as httpaudit makes it: 32 hex digits of a keyed hash.
const sid = "0123456789abcdef0123456789abcdef"

func TestPseudonymValue(t *testing.T) {
	// A value rule that matches the hash itself, and an HMAC key, change
	// nothing either.
	rules, err := New(Options{ValuePatterns: []string{`^[0-9a-f]{32}$`}, HMACKey: []byte("salt-1")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Redactor{Default(), rules} {
		tests := []struct {
			name string
			key  string
			in   any
			want any
		}{
			{"sensitive key", "session.id", Pseudonym(sid), Pseudonym(sid)},
			{"plain key", "sid", Pseudonym(sid), Pseudonym(sid)},
			{"in a map", "", map[string]any{"session.id": Pseudonym(sid)},
				map[string]any{"session.id": Pseudonym(sid)}},
			{"LogValuer group", "", valuer{slog.GroupValue(slog.Any("session_id", Pseudonym(sid)))},
				map[string]any{"session_id": Pseudonym(sid)}},
			// Inside a container that a sensitive key masks, it goes with
			// the container.
			{"under a sensitive container", "credentials", map[string]any{"id": Pseudonym(sid)}, Marker},
		}
		for _, tt := range tests {
			if got := r.Value(tt.key, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("HMAC %v, %s: Value = %#v, want %#v", r.rules.HasHMAC(), tt.name, got, tt.want)
			}
		}
		// A plain string under the same key is still redacted (an
		// application's own raw session id).
		if got := r.Value("session.id", sid); got == sid {
			t.Errorf("HMAC %v: a string session.id was kept", r.rules.HasHMAC())
		}
	}
}

func TestPseudonymAdapters(t *testing.T) {
	r, err := New(Options{ValuePatterns: []string{`^[0-9a-f]{32}$`}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for name, l := range adapters(r, &buf) {
		buf.Reset()
		l.Info("m", "session.id", Pseudonym(sid))
		l.With("session.id", Pseudonym(sid)).Info("m")
		l.Info("m", slog.Group("session", "id", Pseudonym(sid)))
		l.WithGroup("session").Info("m", "id", Pseudonym(sid))
		if got := strings.Count(buf.String(), sid); got != 4 {
			t.Errorf("%s: the pseudonym appears %d times, want 4:\n%s", name, got, buf.String())
		}
		if strings.HasSuffix(name, "JSON") && !strings.Contains(buf.String(), `"session.id":"`+sid+`"`) {
			t.Errorf("%s: not a plain JSON string:\n%s", name, buf.String())
		}
		if strings.HasSuffix(name, "Text") && !strings.Contains(buf.String(), "session.id="+sid) {
			t.Errorf("%s: not a plain string:\n%s", name, buf.String())
		}
		buf.Reset()
		l.Info("m", "session.id", sid)
		if strings.Contains(buf.String(), sid) {
			t.Errorf("%s: a string session.id was kept:\n%s", name, buf.String())
		}
	}
}

func TestPseudonymRendersAsString(t *testing.T) {
	p := Pseudonym(sid)
	if got := fmt.Sprintf("%v %s %+v", p, p, p); got != sid+" "+sid+" "+sid {
		t.Errorf("fmt = %q", got)
	}
	b, err := json.Marshal(map[string]any{"session.id": p})
	if err != nil || string(b) != `{"session.id":"`+sid+`"}` {
		t.Errorf("json = %s, %v", b, err)
	}
}
