import { setFlagsFromString } from 'node:v8';

/*
 * Imported first by every entry point that serves traffic (src/main.ts, the bench's app processes), before
 * anything else allocates: V8 decides at allocation sites whether to place new objects straight in the old
 * generation ("pretenuring"), and a site decided early keeps its decision.
 *
 * Why off: a request's objects die within milliseconds, but when V8 has pretenured one of them (a site whose
 * objects once survived, at start-up most do), the dead old object still points at the request's young
 * objects, so every young-generation collection keeps and promotes them; the old generation then fills with
 * garbage at ~10 MB/s and a major collection stalls the event loop every ~13 s (issue 19's p99). Measured on
 * the bench's bare route with the two other fixes (src/runtime/express-adapter.ts, async-resource-bind.ts):
 * 11 KB promoted per request with pretenuring, 1 KB without. The cost — objects that do live long are copied
 * once more before they reach the old generation — did not show in the benches' req/s.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
