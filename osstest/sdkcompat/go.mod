module github.com/ossappend/ossappend/osstest/sdkcompat

go 1.25.0

require (
	github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible
	github.com/ossappend/ossappend v0.0.0-00010101000000-000000000000
)

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1 // indirect
	golang.org/x/time v0.4.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)

replace github.com/ossappend/ossappend => ../..
