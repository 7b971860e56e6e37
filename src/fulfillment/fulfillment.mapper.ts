import type { FulfillmentOrderDetail } from './fulfillment-orders.service';
import type { FulfillmentOrder, FulfillmentOrderLine } from './fulfillment-order.entity';
import type { FulfillmentOrderDto, WaybillLabelDto } from './fulfillment.dto';

export function toFulfillmentOrderDto(order: FulfillmentOrder, detail?: Omit<FulfillmentOrderDetail, 'order'>): FulfillmentOrderDto {
  return {
    id: order.id,
    orderId: order.orderId,
    connectionId: order.connectionId,
    site: order.site,
    externalOrderId: order.externalOrderId,
    status: order.status,
    trigger: order.trigger,
    waybill: {
      carrier: order.carrier,
      trackingNumber: order.trackingNumber,
      issuedAt: order.waybillIssuedAt,
      receivedAt: order.receivedAt,
    },
    trackingPush: {
      state: order.trackingPushState,
      lastError: order.trackingPushError,
      lastSiteCode: detail?.push?.lastSiteCode ?? null,
      attempts: detail?.push?.attempts ?? 0,
      nextAttemptAt: detail?.push?.state === 'pending' ? detail.push.nextAttemptAt : null,
      sentAt: detail?.push?.sentAt ?? null,
    },
    shippedAt: order.shippedAt,
    cancelledAt: order.cancelledAt,
    ...(detail
      ? {
          lines: detail.lines.map((line) => ({
            id: line.id,
            orderLineId: line.orderLineId,
            position: line.position,
            skuId: line.skuId,
            skuCode: line.skuCode,
            productName: line.productName,
            optionName: line.optionName,
            orderedQuantity: line.orderedQuantity,
            quantity: line.quantity,
          })),
          timeline: order.timeline,
        }
      : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** What the warehouse prints: carrier, number and its barcode, the recipient block and the packing list. */
export function toWaybillLabel(order: FulfillmentOrder, lines: FulfillmentOrderLine[]): WaybillLabelDto {
  const recipient = order.recipient;
  return {
    carrier: order.carrier ?? '',
    trackingNumber: order.trackingNumber ?? '',
    barcode: { symbology: 'CODE128', value: order.trackingNumber ?? '' },
    orderNumber: order.externalOrderId,
    recipient: {
      name: recipient?.name ?? '',
      postalCode: recipient?.postalCode ?? null,
      addressLines: [recipient?.region, recipient?.city, recipient?.line1, recipient?.line2].filter((part): part is string => !!part),
      phone: recipient?.phone ?? null,
    },
    lines: lines.map((line) => ({
      skuCode: line.skuCode,
      productName: line.productName,
      optionName: line.optionName,
      quantity: line.quantity,
    })),
    issuedAt: order.waybillIssuedAt ?? new Date(),
  };
}
