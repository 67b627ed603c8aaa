// Package sdkcompat tests osstest with the older Alibaba Cloud OSS SDK for
// Go, github.com/aliyun/aliyun-oss-go-sdk, which signs requests in its own
// ways: whatever real OSS accepts from it, osstest must accept too. It is a
// module of its own so that the root module does not depend on that SDK.
package sdkcompat
