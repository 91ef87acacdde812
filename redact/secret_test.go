package redact

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverShows(t *testing.T) {
	const raw = "hunter2"
	s := Secret(raw)
	type holder struct {
		P Secret
		M map[Secret]Secret
	}
	h := holder{P: s, M: map[Secret]Secret{s: s}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.LogValue().String())
	// encoding/json writes string-kinded map keys as they are, without
	// asking MarshalText, so only the values are marshalled here.
	b, err := json.Marshal(holder{P: s, M: map[Secret]Secret{"k": s}})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	tb, _ := s.MarshalText()
	outs = append(outs, string(tb))
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("m", "s", s, "h", h)
	outs = append(outs, sb.String())
	for _, o := range outs {
		if strings.Contains(o, raw) || strings.Contains(o, fmt.Sprintf("%x", raw)) {
			t.Errorf("Secret leaked: %s", o)
		}
	}
	if string(s) != raw {
		t.Error("the conversion lost the value")
	}
	if got := string(b); got != `{"P":"[REDACTED]","M":{"k":"[REDACTED]"}}` {
		t.Errorf("json = %s", got)
	}
}

// A Secret in an unexported struct field is printed by fmt (and so by
// slog.TextHandler) in full: fmt cannot call methods on such a field. The
// Secret documentation states this limit; the redacting paths skip the field.
func TestSecretUnexportedFieldLimit(t *testing.T) {
	const raw = "hunter2"
	type dbConfig struct {
		host string
		pw   Secret
	}
	c := dbConfig{"db", Secret(raw)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, &c} {
			if out := fmt.Sprintf(verb, v); !strings.Contains(out, raw) {
				t.Errorf("fmt %s no longer shows an unexported Secret (%s): update the Secret documentation", verb, out)
			}
		}
	}
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("m", "cfg", c)
	if !strings.Contains(sb.String(), raw) {
		t.Errorf("slog.TextHandler no longer shows an unexported Secret (%s): update the Secret documentation", sb.String())
	}
	sb.Reset()
	slog.New(Default().Middleware()(slog.NewTextHandler(&sb, nil))).Info("m", "cfg", c, "ptr", &c)
	if strings.Contains(sb.String(), raw) {
		t.Errorf("Middleware in front of slog.TextHandler leaks: %s", sb.String())
	}
	if b, _ := json.Marshal(Default().Value("cfg", c)); strings.Contains(string(b), raw) {
		t.Errorf("Value leaks: %s", b)
	}
}
