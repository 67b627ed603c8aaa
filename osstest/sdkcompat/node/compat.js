// Drives an osstest server with the Node.js OSS SDK, ali-oss, signing V1
// (its default: x-oss-date and no Date header) and V4: put, append, head,
// get, list and delete. Given an IP address for an endpoint, ali-oss sends
// the bucket in a Host header of OSS's form, bucket.oss-REGION.aliyuncs.com,
// to that address, as OSS serves it. The server and the bucket come from the
// environment: OSS_TEST_ENDPOINT, OSS_TEST_REGION, OSS_TEST_ACCESS_KEY_ID,
// OSS_TEST_ACCESS_KEY_SECRET, OSS_TEST_BUCKET. Exits non-zero on the first
// difference from what OSS answers.
'use strict';

const assert = require('assert');
const OSS = require('ali-oss');

const env = name => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function run(v4) {
  const client = new OSS({
    endpoint: env('OSS_TEST_ENDPOINT'),
    region: 'oss-' + env('OSS_TEST_REGION'),
    accessKeyId: env('OSS_TEST_ACCESS_KEY_ID'),
    accessKeySecret: env('OSS_TEST_ACCESS_KEY_SECRET'),
    bucket: env('OSS_TEST_BUCKET'),
    authorizationV4: v4,
    timeout: 30000,
  });
  const prefix = v4 ? 'node-v4/' : 'node-v1/';

  await client.put(prefix + 'normal.txt', Buffer.from('hello'));
  let r = await client.append(prefix + 'app.log', Buffer.from('first\n'));
  assert.strictEqual(String(r.nextAppendPosition), '6');
  r = await client.append(prefix + 'app.log', Buffer.from('second\n'), { position: r.nextAppendPosition });
  assert.strictEqual(String(r.nextAppendPosition), '13');

  const head = await client.head(prefix + 'app.log');
  assert.strictEqual(head.res.headers['x-oss-object-type'], 'Appendable');
  assert.strictEqual(head.res.headers['x-oss-next-append-position'], '13');

  const got = await client.get(prefix + 'app.log');
  assert.strictEqual(got.content.toString(), 'first\nsecond\n');

  const listed = await client.listV2({ prefix, 'max-keys': 100 });
  assert.deepStrictEqual(listed.objects.map(o => o.name).sort(), [prefix + 'app.log', prefix + 'normal.txt']);
  const listedV1 = await client.list({ prefix, 'max-keys': 100 });
  assert.strictEqual(listedV1.objects.length, 2);

  // An append at a wrong position is refused as OSS refuses it.
  await assert.rejects(client.append(prefix + 'app.log', Buffer.from('x'), { position: 1 }),
    err => err.status === 409 && err.code === 'PositionNotEqualToLength');

  await client.delete(prefix + 'app.log');
  await client.delete(prefix + 'normal.txt');
  await assert.rejects(client.head(prefix + 'app.log'), err => err.status === 404);
  console.log(`ali-oss ${v4 ? 'V4' : 'V1'}: put, append, head, get, list, delete: ok`);
}

(async () => {
  await run(false);
  await run(true);
})().catch(err => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
