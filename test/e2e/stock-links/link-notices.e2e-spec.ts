import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { SmaregiSimulator } from '../../simulators/smaregi';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const LEGACY_CONTRACT = 'smaregi-demo';
/** The test SMTP server refuses this recipient, as a mail server refuses an address it does not know. */
const REFUSED = 'nobody@refused.example';

interface ReceivedMail {
  to: string[];
  raw: string;
}

interface LinkNotices {
  setupMail: string | null;
  setupMailError: string | null;
  firstChangeAppliedAt: string | null;
  firstChangeMail: string | null;
}

/**
 * The two mails the stock-bridge guide promises (DESIGN §7), over real SMTP: an SMTP server in the test (smtp-server)
 * receives what the app's nodemailer transport sends to `SMTP_URL`. After a link is created its customer URL and code
 * go to the notification address; a notice follows once, when the first change has reached NextEngine.
 */
describe('Stock link notices by mail', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let neConnectionId: string;
  let smaregiConnectionId: string;
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const received: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === REFUSED) callback(new Error('550 no such user here'));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const mailsTo = (address: string) => received.filter((mail) => mail.to.includes(address));
  /** The text body as sent, decoded from the transfer encoding nodemailer chose (quoted-printable or base64). */
  const bodyOf = (mail: ReceivedMail) => {
    const split = mail.raw.search(/\r?\n\r?\n/);
    const [headers, body] = [mail.raw.slice(0, split), mail.raw.slice(split).trim()];
    if (/Content-Transfer-Encoding: base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  };
  const notices = async (linkId: string): Promise<LinkNotices> =>
    (await t.http.get(`/v1/stock-links/${linkId}`).set(auth()).expect(200)).body.notices;

  async function createLink(notificationEmail: string): Promise<{ id: string; customerUrl: string; secretCode: string }> {
    const response = await t.http.post('/v1/stock-links').set(auth()).send({
      smaregiConnectionId,
      nextengineConnectionId: neConnectionId,
      stockMaster: 'smaregi',
      idMatching: 'csv',
      uploadDelaySeconds: 0,
      notificationEmail,
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    ne.seed({ queueDelayMs: 0 });
    sr.seed(SmaregiSimulator.demoSeed());
    ne.addGoods({ goodsId: '8000001', goodsName: 'Tシャツ 赤 M', stockQuantity: 50 });
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url, { smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'bridge@mallbridge.test' }));
    tenant = await t.createTenant('Notified seller');
    neConnectionId = await connectNextEngine(t, ne, tenant.apiKey);
    smaregiConnectionId = (
      await t.http
        .post('/v1/connections')
        .set(auth())
        .send({ site: 'smaregi', shopId: LEGACY_CONTRACT, endpoint: sr.url, credentials: { accessToken: 'demo-legacy-access-token' } })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await sr.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('a mail server that refuses the address leaves the link made, with the refusal on it', async () => {
    const link = await createLink(REFUSED);
    expect(await notices(link.id)).toMatchObject({ setupMail: 'failed', setupMailError: expect.stringMatching(/550|no such user/) });
    expect(mailsTo(REFUSED)).toEqual([]);
  });

  it('the link-created mail brings the customer URL and the code, and the first change is announced once', async () => {
    const address = 'stock@shop.example';
    const link = await createLink(address);
    const [setup] = await waitFor(async () => (mailsTo(address).length ? mailsTo(address) : null), { what: 'the link-created mail' });
    expect(setup.raw).toContain('bridge@mallbridge.test');
    expect(bodyOf(setup)).toContain(link.customerUrl);
    expect(bodyOf(setup)).toContain(link.secretCode);
    expect(await notices(link.id)).toMatchObject({ setupMail: 'sent', firstChangeAppliedAt: null, firstChangeMail: null });

    // No change yet: no first-change notice. Two sales, one after the other: the notice follows the first only.
    for (const quantity of [2, 1]) {
      const before = ne.getStock('8000001')!.stock;
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity }, LEGACY_CONTRACT);
      expect((await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode })).status).toBe(200);
      await waitFor(async () => ne.getStock('8000001')!.stock === before - quantity, { what: `NextEngine −${quantity}` });
      await waitFor(async () => (await notices(link.id)).firstChangeMail !== null, { what: 'the first-change notice recorded' });
    }
    const firstChange = mailsTo(address).filter((mail) => bodyOf(mail).includes('now reach NextEngine'));
    expect(firstChange).toHaveLength(1);
    expect(bodyOf(firstChange[0])).toContain(link.id);
    expect(await notices(link.id)).toMatchObject({ setupMail: 'sent', firstChangeAppliedAt: expect.any(String), firstChangeMail: 'sent' });
  });
});
