module github.com/secaudit/auditkit/e2e

go 1.24.0

require (
	github.com/secaudit/auditkit v0.0.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel v1.40.0 // indirect
	go.opentelemetry.io/otel/trace v1.40.0 // indirect
)

replace github.com/secaudit/auditkit => ../
