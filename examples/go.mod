module github.com/ossappend/ossappend/examples

go 1.25.0

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1
	github.com/ossappend/ossappend v0.0.0-00010101000000-000000000000
	go.uber.org/zap v1.28.0
)

require (
	github.com/klauspost/compress v1.20.4 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/time v0.4.0 // indirect
)

replace github.com/ossappend/ossappend => ..
