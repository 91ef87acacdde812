module github.com/secaudit/auditkit

go 1.24.0

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/realclientip/realclientip-go v1.0.0
	github.com/samber/slog-multi v1.7.1
	github.com/stretchr/testify v1.12.1
	go.opentelemetry.io/otel/trace v1.40.0
	go.uber.org/goleak v1.3.0
	golang.org/x/text v0.22.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/samber/lo v1.52.0 // indirect
	github.com/samber/slog-common v0.20.0 // indirect
	go.opentelemetry.io/otel v1.40.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
