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
//
// A request that is itself a google.protobuf.Any is rendered as the message
// it holds ("@type" and that message's top-level fields, filtered and
// redacted alike); one whose type is not linked in shows "@type" alone,
// never the packed bytes. A request that is a leaf well-known type (see
// leafWellKnown) is its JSON form: a Struct's keys are its top-level
// fields, any other under "value".
func renderProto(m protoreflect.Message, p *payloadConfig, red *redact.Redactor) map[string]any {
	return renderTop(m, p, red, 0)
}

func renderTop(m protoreflect.Message, p *payloadConfig, red *redact.Redactor, depth int) map[string]any {
	out := make(map[string]any)
	name := m.Descriptor().FullName()
	switch {
	case name == "google.protobuf.Any":
		url, inner := unpackAny(m)
		out["@type"] = url
		if inner == nil || depth >= maxRenderDepth {
			return out
		}
		for k, v := range renderTop(inner, p, red, depth+1) {
			if k != "@type" {
				out[k] = v
			}
		}
		return out
	case leafWellKnown(name):
		v := renderLeaf(m, depth)
		if obj, ok := v.(map[string]any); ok && name == "google.protobuf.Struct" {
			for k, x := range obj {
				if p.keeps(k) {
					out[k] = red.Value(k, x)
				}
			}
		} else if p.keeps("value") {
			out["value"] = red.Value("value", v)
		}
		return out
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		key := fieldKey(fd)
		if !p.keeps(string(fd.Name()), fd.JSONName(), key) {
			return true
		}
		var x any
		if debugRedact(fd) {
			x = redact.Marker
		} else {
			x = renderField(fd, v, depth+1)
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

// renderMessage renders a nested message: every populated field. Only the
// leaf well-known types go to protojson (their JSON form differs from
// their fields, and they hold no field of the application's); Any and
// every other message, google.protobuf's own included (Type, Option,
// descriptors), are walked here, so a debug_redact field inside is
// redacted at any depth.
func renderMessage(m protoreflect.Message, depth int) any {
	if depth > maxRenderDepth {
		return slogaudit.TruncatedMarker
	}
	name := m.Descriptor().FullName()
	switch {
	case name == "google.protobuf.Any":
		return renderAny(m, depth)
	case leafWellKnown(name):
		return renderLeaf(m, depth)
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

// leafWellKnown reports whether name is a well-known type whose JSON form
// protojson writes specially and that holds only its own scalar fields:
// Timestamp, Duration, the wrappers, Struct, Value, ListValue, FieldMask,
// Empty. (Struct, Value and ListValue hold only each other.)
func leafWellKnown(name protoreflect.FullName) bool {
	switch name {
	case "google.protobuf.Timestamp", "google.protobuf.Duration",
		"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
		"google.protobuf.FieldMask", "google.protobuf.Empty":
		return true
	}
	return isWrapper(name)
}

// isWrapper reports whether name is one of wrappers.proto's messages.
func isWrapper(name protoreflect.FullName) bool {
	switch name {
	case "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
		"google.protobuf.Int64Value", "google.protobuf.UInt64Value",
		"google.protobuf.Int32Value", "google.protobuf.UInt32Value",
		"google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		return true
	}
	return false
}

// renderLeaf renders a leaf well-known type. A wrapper is its value as
// renderSingular writes it (so a BytesValue stays bytes, which the value
// rules see raw); the others go through protojson.
func renderLeaf(m protoreflect.Message, depth int) any {
	if isWrapper(m.Descriptor().FullName()) {
		if fd := m.Descriptor().Fields().ByName("value"); fd != nil {
			return renderSingular(fd, m.Get(fd), depth)
		}
	}
	return renderWellKnown(m)
}

// renderWellKnown renders a leaf well-known type with protojson itself.
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

// unpackAny returns an Any's type URL and the message it holds, or nil when
// its type is not linked into the binary or its bytes do not parse.
func unpackAny(m protoreflect.Message) (url string, inner protoreflect.Message) {
	fields := m.Descriptor().Fields()
	url = m.Get(fields.ByName("type_url")).String()
	value := m.Get(fields.ByName("value")).Bytes()
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		return url, nil
	}
	inner = mt.New()
	if proto.Unmarshal(value, inner.Interface()) != nil {
		return url, nil
	}
	return url, inner
}

// renderAny renders a google.protobuf.Any as protojson does ("@type" and
// the message's fields), with the contained message's debug_redact fields
// redacted: protojson would write them. A type not linked into the binary
// shows only "@type", never the packed bytes.
func renderAny(m protoreflect.Message, depth int) any {
	url, inner := unpackAny(m)
	out := map[string]any{"@type": url}
	if inner == nil {
		return out
	}
	rendered := renderMessage(inner, depth+1)
	switch r := rendered.(type) {
	case map[string]any:
		if leafWellKnown(inner.Descriptor().FullName()) { // a Struct: protojson puts it under "value"
			out["value"] = r
			break
		}
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
