package httpaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"slices"
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
	// ParseUnread: the request carried "Expect: 100-continue" and the
	// handler did not read the body to its end (nor past MaxBodyBytes), so
	// it was not captured. Such a body is captured only as the handler reads
	// it: reading it for the audit would make the server ask the client for
	// a body the handler chose to refuse.
	ParseUnread = "unread"
	// ParseIncomplete: reading the body failed before its end (the client
	// went away mid-upload: io.ErrUnexpectedEOF, a reset, a timeout), so
	// what arrived is not logged as if it were the body. The handler gets
	// the same error.
	ParseIncomplete = "incomplete"
)

// MaxBodyBytesLimit is the largest Options.MaxBodyBytes New accepts (1 MiB).
// Capture memory is per request in flight, so the bound is what a burst of
// slow uploads can pin; and a captured body must fit in one log line
// (slogaudit's MaxRecordBytes, 32 KiB by default, Loki takes 256 KB), so a
// larger capture would only be parsed to be cut.
const MaxBodyBytesLimit = 1 << 20

// initialCapture is the first capture buffer; it doubles as bytes arrive,
// up to MaxBodyBytes+1, so a short body costs little whatever the limit.
const initialCapture = 512

// bodyConfig is the compiled body-capture rule set.
type bodyConfig struct {
	max     int64
	methods []string
	paths   []*regexp.Regexp
	all     bool     // "*": every field
	fields  []string // the listed fields; no two fold to the same key
}

func compileBody(o *Options, add func(error)) (*bodyConfig, error) {
	b := &bodyConfig{max: o.MaxBodyBytes}
	if b.max < 0 {
		add(fmt.Errorf("httpaudit: MaxBodyBytes %d: must not be negative", b.max))
	}
	if b.max > MaxBodyBytesLimit {
		add(fmt.Errorf("httpaudit: MaxBodyBytes %d: above the limit of %d (MaxBodyBytesLimit)", b.max, MaxBodyBytesLimit))
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
	for _, f := range o.BodyFields {
		if f == "*" {
			b.all, b.fields = true, nil
			break
		}
		if !slices.ContainsFunc(b.fields, func(g string) bool { return strings.EqualFold(f, g) }) {
			b.fields = append(b.fields, f)
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
// BodyPaths match the cleaned path: a miss only means a body not captured.
func (b *bodyConfig) wants(r *http.Request) bool {
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
	cleanPath := path.Clean(r.URL.Path)
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

// capture holds the start of a request body: at most MaxBodyBytes+1 bytes,
// in a buffer that grows as they arrive. Normally they are read before the
// handler runs, so the audit event has them even if the handler never reads
// the body; with "Expect: 100-continue" they are copied as the handler reads
// (see teeBody). Parsing waits until an event is written.
type capture struct {
	buf      []byte
	tooLarge bool     // declared longer than max: nothing read
	broken   bool     // reading stopped at an error other than io.EOF
	tee      *teeBody // non-nil: captured as the handler read
}

// start captures the head of r.Body and returns the capture and the body the
// handler must read instead (nil: r.Body itself). Read up front, the head is
// replayed, then the original body's own error if reading stopped at one,
// else the rest of the original: the handler sees exactly the bytes and the
// final error it would have seen without the middleware.
func (b *bodyConfig) start(r *http.Request) (*capture, io.ReadCloser) {
	c := &capture{}
	if r.ContentLength > b.max {
		// Known to be too large: read nothing, hold nothing.
		c.tooLarge = true
		return c, nil
	}
	limit := b.max + 1
	if r.ContentLength >= 0 {
		// +1 sees a body longer than declared, and the end of the body
		// (net/http reports io.EOF with or after the last byte).
		limit = r.ContentLength + 1
	}
	if expectsContinue(r.Header) {
		// The client waits for 100 Continue, which net/http sends on the
		// first Read: reading now would answer for the handler.
		c.tee = &teeBody{c: c, limit: limit, length: r.ContentLength, body: r.Body}
		return c, c.tee
	}
	err := c.fill(r.Body, limit)
	c.broken = err != nil && err != io.EOF
	return c, &replayBody{head: c.buf, err: err, rest: r.Body}
}

// fill reads body into c.buf until it holds limit bytes or Read returns an
// error, which it returns exactly as it came (io.ErrUnexpectedEOF from a
// client that went away is not the io.EOF of a complete body).
func (c *capture) fill(body io.Reader, limit int64) error {
	for empty := 0; int64(len(c.buf)) < limit; {
		c.grow(limit)
		free := c.buf[len(c.buf):cap(c.buf)]
		if room := limit - int64(len(c.buf)); int64(len(free)) > room {
			free = free[:room]
		}
		n, err := body.Read(free)
		c.buf = c.buf[:len(c.buf)+n]
		if err != nil {
			return err
		}
		if n > 0 {
			empty = 0
		} else if empty++; empty >= 100 {
			// A Read that keeps returning nothing: leave the rest to the
			// handler, and log nothing of a capture cut short.
			c.broken = true
			return nil
		}
	}
	return nil
}

// grow makes room for at least one more byte, doubling the buffer up to
// limit bytes.
func (c *capture) grow(limit int64) {
	if len(c.buf) < cap(c.buf) {
		return
	}
	n := int64(max(2*cap(c.buf), initialCapture))
	if n > limit {
		n = limit
	}
	nb := make([]byte, len(c.buf), n)
	copy(nb, c.buf)
	c.buf = nb
}

// add appends p, up to limit bytes in all.
func (c *capture) add(p []byte, limit int64) {
	for len(p) > 0 && int64(len(c.buf)) < limit {
		c.grow(limit)
		k := min(len(p), cap(c.buf)-len(c.buf), int(limit-int64(len(c.buf))))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
	}
}

// expectsContinue reports whether the client waits for "100 Continue"
// before it sends the body.
func expectsContinue(h http.Header) bool {
	for _, v := range h["Expect"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(tok), "100-continue") {
				return true
			}
		}
	}
	return false
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

// teeBody is the handler's body for a request with "Expect: 100-continue":
// the original, read only as the handler reads it, copying the first
// limit bytes into the capture. Nothing is read for the audit, ever.
type teeBody struct {
	c      *capture
	limit  int64
	length int64 // Content-Length, -1 if unknown
	body   io.ReadCloser
	done   bool // the capture is complete: the end, an error or past max
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	if !t.done {
		t.c.add(p[:n], t.limit)
		got := int64(len(t.c.buf))
		t.c.broken = err != nil && err != io.EOF
		t.done = err != nil || got >= t.limit || t.length >= 0 && got >= t.length
	}
	return n, err
}

func (t *teeBody) Close() error { return t.body.Close() }

// result returns the request.body value (nil when there is nothing to log)
// and the parse status ("" when parsed).
//
// Only configured top-level fields are kept, each redacted with red. They
// match keys as encoding/json matches struct fields: case-insensitively
// (bytes.EqualFold, so "USERNAME" and "uſername" are username), with the
// last duplicate winning. Every key that matches is kept under its own
// name, so {"username":"victim","Username":"attacker"}, which an
// application decoding into a struct reads as "attacker", is logged with
// both values rather than with the one it did not use.
func (c *capture) result(b *bodyConfig, red *redact.Redactor) (map[string]any, string) {
	switch {
	case c.tooLarge || int64(len(c.buf)) > b.max:
		return nil, ParseTooLarge
	case c.broken:
		return nil, ParseIncomplete
	case c.tee != nil && !c.tee.done:
		return nil, ParseUnread
	}
	data := bytes.TrimSpace(c.buf)
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
	for k, raw := range obj {
		// The key's own name, or for a listed field the sensitive one of
		// the two, decides key-based redaction.
		rkey := k
		if !b.all {
			i := slices.IndexFunc(b.fields, func(f string) bool { return strings.EqualFold(k, f) })
			if i < 0 {
				continue
			}
			if red.IsSensitiveKey(b.fields[i]) {
				rkey = b.fields[i]
			}
		}
		v, err := decodeValue(raw)
		if err != nil {
			continue
		}
		out[k] = red.Value(rkey, v)
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, ""
}

// decodeValue decodes one JSON value, keeping numbers as json.Number: the
// exact text, which the redactor's value rules see (a card number sent as a
// JSON number is still a card number) and which loses no precision; handlers
// (slogaudit, encoding/json) write a json.Number as a number.
func decodeValue(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
