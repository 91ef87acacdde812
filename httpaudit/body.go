package httpaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/secaudit/auditkit/redact"
)

// Values of request.body.parse_status, written instead of request.body.
const (
	// ParseTooLarge: the body is longer than MaxBodyBytes.
	ParseTooLarge = "too_large"
	// ParseInvalidJSON: the body is not valid UTF-8 JSON.
	ParseInvalidJSON = "invalid_json"
	// ParseUnsupportedShape: the body is JSON but not an object.
	ParseUnsupportedShape = "unsupported_shape"
)

// bodyConfig is the compiled body-capture rule set.
type bodyConfig struct {
	max     int64
	methods []string
	paths   []*regexp.Regexp
	fields  map[string]bool // nil: every field ("*")
	order   []string        // fields in configuration order, for stable output
}

func compileBody(o *Options, add func(error)) (*bodyConfig, error) {
	b := &bodyConfig{max: o.MaxBodyBytes}
	if b.max < 0 {
		add(fmt.Errorf("httpaudit: MaxBodyBytes %d: must not be negative", b.max))
	}
	if b.max <= 0 {
		b.max = DefaultMaxBodyBytes
	}
	b.paths = compileRegexps("BodyPaths", o.BodyPaths, add)
	for i, m := range o.BodyMethods {
		if !isMethodToken(m) {
			add(fieldErr("BodyMethods", i, m, errors.New("not an HTTP method (letters, digits, '-')")))
			continue
		}
		b.methods = append(b.methods, strings.ToUpper(m))
	}
	if len(o.BodyMethods) == 0 {
		b.methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch}
	}
	b.fields = map[string]bool{}
	for _, f := range o.BodyFields {
		if f == "*" {
			b.fields = nil
			break
		}
		if !b.fields[f] {
			b.fields[f] = true
			b.order = append(b.order, f)
		}
	}
	if !o.CaptureBodies {
		return nil, nil
	}
	if len(o.BodyFields) == 0 {
		return nil, errors.New(`httpaudit: CaptureBodies: BodyFields is empty; list the fields to keep, or "*" for all`)
	}
	return b, nil
}

func isMethodToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// wants reports whether the body of r is to be captured: a configured method
// and path, and a JSON content type. Forms and multipart bodies are never read.
func (b *bodyConfig) wants(r *http.Request, cleanPath string) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	ok := false
	for _, m := range b.methods {
		if r.Method == m {
			ok = true
			break
		}
	}
	if !ok || !isJSON(r.Header.Get("Content-Type")) {
		return false
	}
	if len(b.paths) == 0 {
		return true
	}
	for _, re := range b.paths {
		if re.MatchString(cleanPath) {
			return true
		}
	}
	return false
}

// isJSON accepts application/json and application/<x>+json, any parameters.
func isJSON(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(ct)
	const app = "application/"
	if len(ct) <= len(app) || !strings.EqualFold(ct[:len(app)], app) {
		return false
	}
	sub := ct[len(app):]
	return strings.EqualFold(sub, "json") ||
		len(sub) > len("+json") && strings.EqualFold(sub[len(sub)-len("+json"):], "+json")
}

// capture holds the start of a request body: at most max+1 bytes, read before
// the handler runs so the audit event has them even if the handler never
// reads the body. Parsing waits until an event is written.
type capture struct {
	head     []byte
	tooLarge bool
}

// start reads the head of r.Body and returns the capture and the body the
// handler must read instead: the head replayed, then the rest of the
// original. A read error is replayed too, after the bytes read before it, so
// the handler sees exactly what it would have seen.
func (b *bodyConfig) start(r *http.Request) (*capture, io.ReadCloser) {
	c := &capture{}
	if r.ContentLength > b.max {
		// Known to be too large: read nothing, hold nothing.
		c.tooLarge = true
		return c, nil
	}
	n := b.max + 1
	if r.ContentLength >= 0 {
		// +1 detects a body longer than declared (the server would
		// report an error) without another allocation.
		n = r.ContentLength + 1
	}
	buf := make([]byte, n)
	got, err := io.ReadFull(r.Body, buf)
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
		err = io.EOF
	case nil:
		if int64(got) > b.max {
			c.tooLarge = true
		}
	}
	c.head = buf[:got]
	return c, &replayBody{head: c.head, err: err, rest: r.Body}
}

// replayBody yields head, then err if set, else the rest of the original
// body. Close closes the original.
type replayBody struct {
	head []byte
	err  error
	rest io.ReadCloser
}

func (rb *replayBody) Read(p []byte) (int, error) {
	if len(rb.head) > 0 {
		n := copy(p, rb.head)
		rb.head = rb.head[n:]
		return n, nil
	}
	if rb.err != nil {
		return 0, rb.err
	}
	return rb.rest.Read(p)
}

func (rb *replayBody) Close() error { return rb.rest.Close() }

// result returns the request.body value (nil when there is nothing to log)
// and the parse status ("" when parsed). Only configured top-level fields are
// kept, each redacted with red.
func (c *capture) result(b *bodyConfig, red *redact.Redactor) (map[string]any, string) {
	if c.tooLarge {
		return nil, ParseTooLarge
	}
	data := bytes.TrimSpace(c.head)
	if len(data) == 0 {
		return nil, ""
	}
	if !utf8.Valid(data) {
		return nil, ParseInvalidJSON
	}
	if data[0] != '{' {
		if json.Valid(data) {
			return nil, ParseUnsupportedShape
		}
		return nil, ParseInvalidJSON
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, ParseInvalidJSON
	}
	out := make(map[string]any)
	keep := func(k string, raw json.RawMessage) {
		v, err := decodeValue(raw)
		if err != nil {
			return
		}
		out[k] = red.Value(k, v)
	}
	if b.fields == nil {
		for k, raw := range obj {
			keep(k, raw)
		}
	} else {
		for _, k := range b.order {
			if raw, ok := obj[k]; ok {
				keep(k, raw)
			}
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, ""
}

// decodeValue decodes one JSON value, keeping integers exact (int64 when they
// fit) instead of rounding them through float64.
func decodeValue(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
