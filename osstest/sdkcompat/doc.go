// Package sdkcompat tests osstest with the other official OSS SDKs, which
// sign requests in their own ways: the older Alibaba Cloud OSS SDK for Go,
// github.com/aliyun/aliyun-oss-go-sdk, and the Node.js SDK, ali-oss (node/,
// run by TestNodeSDK; npm ci there installs it). Whatever real OSS accepts
// from them, osstest must accept too. It is a module of its own so that the
// root module does not depend on those SDKs.
package sdkcompat
