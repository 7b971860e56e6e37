import type { ExternalOrder } from '../connectors/sales-site-connector';
import type { SiteCapabilities } from '../connectors/site-ports';
import { OrderIntakeService, statusNotUnderstood } from './order-intake.service';

const confirmSite: SiteCapabilities = {
  orders: true,
  confirm: true,
  tracking: true,
  changes: true,
  cancelApproval: true,
  stock: 'absolute',
  authorization: 'none',
};
const qoo10Like = { capabilities: confirmSite, unconfirmed: ['2'], collectable: ['2', '3'] };

function order(siteStatus: string): ExternalOrder {
  return {
    externalOrderId: 'P1',
    siteStatus,
    orderedAt: new Date('2026-12-01T00:00:00Z'),
    lines: [{ externalLineId: 'L1', productCode: 'A', productName: 'A', quantity: 1 }],
  };
}

// prepare() reads nothing but its arguments: the service's collaborators are not needed to weigh a status.
const intake = new OrderIntakeService(
  ...([null, null, null, null, null, null] as unknown as ConstructorParameters<typeof OrderIntakeService>),
);
const prepare = (siteStatus: string, statuses = qoo10Like) =>
  intake.prepare(order(siteStatus), (line) => ({ key: line.productCode }), statuses);

describe('a site status the intake does not understand', () => {
  it('holds the order with the raw value shown, never taking it as confirmed', () => {
    expect(prepare('Seller confirm')).toMatchObject({
      status: 'on_hold',
      holdReason: 'Unrecognized site status "Seller confirm"; check the order on the site.',
      confirmationState: 'not_needed',
    });
    expect(prepare('')).toMatchObject({ status: 'on_hold' });
  });

  it('takes the known statuses as they are: new awaits confirmation, the other collectable one is confirmed', () => {
    expect(prepare('2')).toMatchObject({ status: 'new', holdReason: null, confirmationState: 'pending' });
    expect(prepare('3')).toMatchObject({ status: 'confirmed', holdReason: null, confirmationState: 'not_needed' });
  });

  it('applies only where confirming matters: a site without a confirm call keeps its own status words', () => {
    const noConfirm = { capabilities: { ...confirmSite, confirm: false }, unconfirmed: [], collectable: ['発送待機'] };
    expect(statusNotUnderstood(noConfirm, '出荷済み')).toBe(false);
    expect(prepare('出荷済み', noConfirm)).toMatchObject({ status: 'confirmed', holdReason: null });
  });
});
