module github.com/ossappend/ossappend

go 1.25.0

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1
	github.com/klauspost/compress v1.20.4
	golang.org/x/sync v0.22.0
)

require golang.org/x/time v0.4.0 // indirect
