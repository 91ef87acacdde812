package grpcaudit_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// testFile builds, without protoc, a .proto with debug_redact fields, maps,
// enums, 64-bit integers, Any, Struct and recursion.
func testFile(t *testing.T) protoreflect.FileDescriptor {
	t.Helper()
	s := proto.String
	redacted := &descriptorpb.FieldOptions{DebugRedact: proto.Bool(true)}
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	field := func(name string, n int32, typ *descriptorpb.FieldDescriptorProto_Type, typeName string, o *descriptorpb.FieldOptions) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: s(name), Number: proto.Int32(n), Label: opt, Type: typ, Options: o, JsonName: s(jsonName(name))}
		if typeName != "" {
			f.TypeName = s(typeName)
		}
		return f
	}
	tags := field("tags", 5, str, "", nil)
	tags.Label = rep
	labels := field("labels", 6, msg, ".t.Login.LabelsEntry", nil)
	labels.Label = rep
	fd := &descriptorpb.FileDescriptorProto{
		Name: s("t/audit_test.proto"), Package: s("t"), Syntax: s("proto3"),
		Dependency: []string{"google/protobuf/any.proto", "google/protobuf/struct.proto"},
		EnumType: []*descriptorpb.EnumDescriptorProto{{Name: s("Color"), Value: []*descriptorpb.EnumValueDescriptorProto{
			{Name: s("COLOR_UNSPECIFIED"), Number: proto.Int32(0)}, {Name: s("RED"), Number: proto.Int32(1)}}}},
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: s("Login"), Field: []*descriptorpb.FieldDescriptorProto{
				field("username", 1, str, "", nil),
				field("password_hint", 2, str, "", redacted),
				field("inner", 3, msg, ".t.Inner", nil),
				field("big", 4, descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), "", nil),
				tags, labels,
				field("extra", 7, msg, ".google.protobuf.Any", nil),
				field("color", 8, descriptorpb.FieldDescriptorProto_TYPE_ENUM.Enum(), ".t.Color", nil),
				field("meta", 9, msg, ".google.protobuf.Struct", nil),
				field("pin", 10, descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), "", redacted),
			}, NestedType: []*descriptorpb.DescriptorProto{{
				Name: s("LabelsEntry"), Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				Field: []*descriptorpb.FieldDescriptorProto{field("key", 1, str, "", nil), field("value", 2, str, "", nil)},
			}}},
			{Name: s("Inner"), Field: []*descriptorpb.FieldDescriptorProto{
				field("secret_code", 1, str, "", redacted),
				field("note", 2, str, "", nil),
				field("child", 3, msg, ".t.Inner", nil),
				// A name no key rule flags: only debug_redact protects it.
				field("favorite_color", 4, str, "", redacted),
			}},
		},
	}
	_ = anypb.Any{}
	_ = structpb.Struct{}
	f, err := protodesc.NewFile(fd, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func jsonName(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

var innerType protoreflect.MessageType

// loginMessage returns a Login with every kind of field set.
func loginMessage(t *testing.T, depth int) *dynamicpb.Message {
	fd := testFile(t)
	login := fd.Messages().ByName("Login")
	innerD := fd.Messages().ByName("Inner")
	if innerType == nil {
		innerType = dynamicpb.NewMessageType(innerD)
		if err := protoregistry.GlobalTypes.RegisterMessage(innerType); err != nil {
			t.Fatal(err)
		}
	}
	set := func(m *dynamicpb.Message, name string, v protoreflect.Value) {
		m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
	}
	newInner := func(note string) *dynamicpb.Message {
		in := dynamicpb.NewMessage(innerD)
		set(in, "secret_code", protoreflect.ValueOfString("s3cret-code"))
		set(in, "note", protoreflect.ValueOfString(note))
		return in
	}
	m := dynamicpb.NewMessage(login)
	set(m, "username", protoreflect.ValueOfString("maya"))
	set(m, "password_hint", protoreflect.ValueOfString("my-dog-rex"))
	deep := newInner("top")
	cur := deep
	for i := 0; i < depth; i++ {
		c := newInner("level")
		set(cur, "child", protoreflect.ValueOfMessage(c))
		cur = c
	}
	set(m, "inner", protoreflect.ValueOfMessage(deep))
	set(m, "big", protoreflect.ValueOfInt64(1<<60))
	tags := m.Mutable(login.Fields().ByName("tags")).List()
	tags.Append(protoreflect.ValueOfString("a"))
	tags.Append(protoreflect.ValueOfString(bearer))
	labels := m.Mutable(login.Fields().ByName("labels")).Map()
	labels.Set(protoreflect.ValueOfString("env").MapKey(), protoreflect.ValueOfString("prod"))
	labels.Set(protoreflect.ValueOfString("api_token").MapKey(), protoreflect.ValueOfString("zzz"))
	extra, err := anypb.New(newInner("in-any"))
	if err != nil {
		t.Fatal(err)
	}
	set(m, "extra", protoreflect.ValueOfMessage(extra.ProtoReflect()))
	set(m, "color", protoreflect.ValueOfEnum(1))
	meta, _ := structpb.NewStruct(map[string]any{"password": "hunter2", "region": "eu"})
	set(m, "meta", protoreflect.ValueOfMessage(meta.ProtoReflect()))
	set(m, "pin", protoreflect.ValueOfInt32(1234))
	return m
}
