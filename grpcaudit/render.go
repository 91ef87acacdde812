package grpcaudit

import (
	"encoding/json"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// Bounds of a rendered message, beyond MaxPayloadBytes: nesting, and
// entries of one list or map. What is cut ends in slogaudit's marker.
const (
	maxRenderDepth   = 16
	maxRenderEntries = 100
)

// placeholderUnrenderable replaces a well-known-type value protojson cannot
// write (an Any whose type is not linked in, say).
const placeholderUnrenderable = "[UNRENDERABLE]"

// renderProto renders m as protojson would with UseProtoNames (proto field
// names, 64-bit integers as strings, enums by name, well-known types in their
// JSON form), keeping the top-level fields PayloadFields name and redacting
// each with red. A field marked debug_redact in its .proto is "[REDACTED]"
// at any depth, whatever the Redactor says.
func renderProto(m protoreflect.Message, p *payloadConfig, red *redact.Redactor) map[string]any {
	out := make(map[string]any)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		key := fieldKey(fd)
		if !p.keeps(string(fd.Name()), fd.JSONName(), key) {
			return true
		}
		var x any
		if debugRedact(fd) {
			x = redact.Marker
		} else {
			x = renderField(fd, v, 1)
		}
		out[key] = red.Value(key, x)
		return true
	})
	return out
}

// fieldKey is the field's proto name, or [full.name] for an extension.
func fieldKey(fd protoreflect.FieldDescriptor) string {
	if fd.IsExtension() {
		return "[" + string(fd.FullName()) + "]"
	}
	return string(fd.Name())
}

// debugRedact reports whether the field carries [debug_redact = true].
func debugRedact(fd protoreflect.FieldDescriptor) bool {
	o, ok := fd.Options().(*descriptorpb.FieldOptions)
	return ok && o.GetDebugRedact()
}

func renderField(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) any {
	switch {
	case fd.IsList():
		l := v.List()
		n := min(l.Len(), maxRenderEntries)
		out := make([]any, 0, n+1)
		for i := 0; i < n; i++ {
			out = append(out, renderSingular(fd, l.Get(i), depth+1))
		}
		if l.Len() > n {
			out = append(out, slogaudit.TruncatedMarker)
		}
		return out
	case fd.IsMap():
		out := make(map[string]any)
		vd := fd.MapValue()
		v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			if len(out) == maxRenderEntries {
				out["_truncated"] = slogaudit.TruncatedMarker
				return false
			}
			out[k.String()] = renderSingular(vd, mv, depth+1)
			return true
		})
		return out
	}
	return renderSingular(fd, v, depth)
}

func renderSingular(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) any {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return v.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return v.Uint()
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10) // protojson: a string
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float()
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BytesKind:
		// []byte: the handler writes base64, as protojson does, and its
		// value rules see the raw bytes.
		return v.Bytes()
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return int64(v.Enum())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return renderMessage(v.Message(), depth)
	}
	return nil
}

// renderMessage renders a nested message: every populated field.
func renderMessage(m protoreflect.Message, depth int) any {
	if depth > maxRenderDepth {
		return slogaudit.TruncatedMarker
	}
	d := m.Descriptor()
	if name := d.FullName(); strings.HasPrefix(string(name), "google.protobuf.") {
		if name == "google.protobuf.Any" {
			return renderAny(m, depth)
		}
		return renderWellKnown(m)
	}
	out := make(map[string]any)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if debugRedact(fd) {
			out[fieldKey(fd)] = redact.Marker
		} else {
			out[fieldKey(fd)] = renderField(fd, v, depth+1)
		}
		return true
	})
	return out
}

// renderWellKnown renders Timestamp, Duration, Struct, wrappers and the
// like with protojson itself: they hold no fields of the application's, so
// no debug_redact to honour.
func renderWellKnown(m protoreflect.Message) any {
	b, err := protojson.Marshal(m.Interface())
	if err != nil {
		return placeholderUnrenderable
	}
	var v any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return placeholderUnrenderable
	}
	return v
}

// renderAny renders a google.protobuf.Any as protojson does ("@type" and
// the message's fields), with the contained message's debug_redact fields
// redacted: protojson would write them. A type not linked into the binary
// shows only "@type".
func renderAny(m protoreflect.Message, depth int) any {
	fields := m.Descriptor().Fields()
	url := m.Get(fields.ByName("type_url")).String()
	value := m.Get(fields.ByName("value")).Bytes()
	out := map[string]any{"@type": url}
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		return out
	}
	inner := mt.New()
	if proto.Unmarshal(value, inner.Interface()) != nil {
		return out
	}
	rendered := renderMessage(inner, depth+1)
	switch r := rendered.(type) {
	case map[string]any:
		for k, v := range r {
			if k != "@type" {
				out[k] = v
			}
		}
	default: // a well-known type inside: protojson puts it under "value"
		out["value"] = r
	}
	return out
}
