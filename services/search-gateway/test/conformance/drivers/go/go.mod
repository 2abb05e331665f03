module fountain/conformance/go-driver

go 1.22

require github.com/typesense/typesense-go/v2 v2.0.0

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.5.0 // indirect
	github.com/oapi-codegen/runtime v1.1.1 // indirect
	github.com/sony/gobreaker v0.5.0 // indirect
)
