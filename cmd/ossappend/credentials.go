package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// The environment variables the OSS SDK reads credentials from.
const (
	envAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envSessionToken    = "OSS_SESSION_TOKEN"
)

// errNoCredentials is reported when no source gives credentials.
var errNoCredentials = errors.New("no credentials: set " + envAccessKeyID + " and " + envAccessKeySecret +
	" (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET), configure a profile with the aliyun CLI" +
	" (--profile picks one), run with a RAM role (RRSA in ACK, or ECS), or use --local DIR")

// credentialsFor returns the credentials of a command, from the first of
// these sources that has them:
//
//   - with --profile NAME, only that profile, of the aliyun CLI's
//     configuration (~/.aliyun/config.json) or of ~/.alibabacloud/credentials;
//   - OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN;
//   - the Alibaba Cloud default credential chain: ALIBABA_CLOUD_* variables,
//     OIDC (RRSA in ACK), the aliyun CLI's current profile (or
//     ALIBABA_CLOUD_PROFILE's), ~/.alibabacloud/credentials, the ECS RAM
//     role (unless ALIBABA_CLOUD_ECS_METADATA_DISABLED=true), and
//     ALIBABA_CLOUD_CREDENTIALS_URI.
//
// It fetches them once, so that missing ones are reported before anything
// else happens. No error it returns quotes a credential or a credentials
// file.
func credentialsFor(ctx context.Context, profile string) (credentials.CredentialsProvider, error) {
	id, secret := os.Getenv(envAccessKeyID), os.Getenv(envAccessKeySecret)
	var c *chainCredentials
	switch {
	case profile != "":
		cli, err1 := providers.NewCLIProfileCredentialsProviderBuilder().WithProfileName(profile).Build()
		file, err2 := providers.NewProfileCredentialsProviderBuilder().WithProfileName(profile).Build()
		c = &chainCredentials{missing: fmt.Errorf("no usable credentials for profile %q in %s or %s",
			profile, cliConfigPath(), credentialsFilePath())}
		if err1 == nil {
			c.sources = append(c.sources, cli)
		}
		if err2 == nil {
			c.sources = append(c.sources, file)
		}
	case id != "" && secret != "":
		return credentials.NewEnvironmentVariableCredentialsProvider(), nil
	case id != "" || secret != "":
		set, unset := envAccessKeyID, envAccessKeySecret
		if id == "" {
			set, unset = unset, set
		}
		return nil, fmt.Errorf("no credentials: %s is set but %s is not: set both", set, unset)
	default:
		c = &chainCredentials{sources: []providers.CredentialsProvider{providers.NewDefaultCredentialsProvider()}, missing: errNoCredentials}
	}
	if _, err := c.GetCredentials(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// chainCredentials adapts credentials-go providers to the OSS SDK: the
// first source that gives credentials is used from then on. Its providers
// refresh temporary credentials themselves; it makes them safe to call
// from several requests at once.
type chainCredentials struct {
	mu      sync.Mutex
	sources []providers.CredentialsProvider
	used    providers.CredentialsProvider
	missing error // what to say when no source has credentials
}

// GetCredentials returns the credentials of the source in use. Its error
// keeps the sources' own errors from showing: some quote the file they
// read, credentials and all.
func (c *chainCredentials) GetCredentials(context.Context) (credentials.Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sources := c.sources
	if c.used != nil {
		sources = []providers.CredentialsProvider{c.used}
	}
	var errs []error
	for _, s := range sources {
		cc, err := s.GetCredentials()
		if err == nil && cc != nil && cc.AccessKeyId != "" && cc.AccessKeySecret != "" {
			c.used = s
			rememberSecrets(cc.AccessKeySecret, cc.SecurityToken)
			return credentials.Credentials{AccessKeyID: cc.AccessKeyId, AccessKeySecret: cc.AccessKeySecret, SecurityToken: cc.SecurityToken}, nil
		}
		errs = append(errs, err)
	}
	return credentials.Credentials{}, withheld{c.missing, errors.Join(errs...)}
}

// withheld is an error whose text is msg's, while it wraps cause too,
// whose text must not be shown.
type withheld struct{ msg, cause error }

func (w withheld) Error() string   { return w.msg.Error() }
func (w withheld) Unwrap() []error { return []error{w.msg, w.cause} }

// cliConfigPath is where the aliyun CLI keeps its profiles.
func cliConfigPath() string {
	if p := os.Getenv("ALIBABA_CLOUD_CONFIG_FILE"); p != "" {
		return p
	}
	return filepath.Join("~", ".aliyun", "config.json")
}

// credentialsFilePath is the shared credentials file of the Alibaba Cloud
// SDKs.
func credentialsFilePath() string {
	if p := os.Getenv("ALIBABA_CLOUD_CREDENTIALS_FILE"); p != "" {
		return p
	}
	return filepath.Join("~", ".alibabacloud", "credentials")
}

// secrets are the secrets fetched so far, which redact hides.
var secrets struct {
	sync.Mutex
	values []string
}

func rememberSecrets(values ...string) {
	secrets.Lock()
	defer secrets.Unlock()
	for _, v := range values {
		if len(v) >= 4 && !slices.Contains(secrets.values, v) {
			secrets.values = append(secrets.values, v)
		}
	}
}
