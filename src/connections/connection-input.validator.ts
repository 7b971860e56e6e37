import type { FieldError } from '../common/problem';
import type { Credentials, SiteDescriptor } from '../connectors/sales-site-connector';
import type { ConnectionOptions } from './connection.entity';
import type { SiteCapabilities } from '../connectors/site-ports';
import type { ConnectionOptionsDto } from './connections.dto';

const MAX_CREDENTIAL_LENGTH = 4000;

/**
 * Checks a site's credentials against its declared fields. `partial` is for updates, where
 * omitted required fields keep their stored value. Fields obtained by an authorization flow
 * (tokens, keys) cannot be supplied.
 */
export function validateCredentials(descriptor: SiteDescriptor, credentials: Record<string, unknown>, partial = false): FieldError[] {
  const errors: FieldError[] = [];
  const fields = new Map(descriptor.credentialFields.map((field) => [field.name, field]));
  for (const [name, value] of Object.entries(credentials)) {
    const field = fields.get(name);
    const path = `credentials.${name}`;
    if (!field || field.lifecycle === 'obtained') {
      const accepted = descriptor.credentialFields.filter((f) => f.lifecycle !== 'obtained').map((f) => f.name);
      errors.push({ field: path, message: `${name} is not a credential of ${descriptor.site}; accepted: ${accepted.join(', ')}` });
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push({ field: path, message: `${name} must be a non-empty string` });
      continue;
    }
    if (value.length > MAX_CREDENTIAL_LENGTH)
      errors.push({ field: path, message: `${name} must be at most ${MAX_CREDENTIAL_LENGTH} characters` });
    if (field.pattern && !new RegExp(field.pattern).test(value))
      errors.push({ field: path, message: `${name} must match ${field.pattern}` });
  }
  if (!partial) {
    for (const field of descriptor.credentialFields) {
      if (field.required && field.lifecycle !== 'obtained' && !(field.name in credentials)) {
        errors.push({
          field: `credentials.${field.name}`,
          message: `${field.label} (${field.name}) is required for ${descriptor.displayName}`,
        });
      }
    }
  }
  return errors;
}

/** Only what is kept: 'once' fields (Qoo10's password) are used and never stored. */
export function storableCredentials(descriptor: SiteDescriptor, credentials: Credentials): Credentials {
  const once = new Set(descriptor.credentialFields.filter((f) => f.lifecycle === 'once').map((f) => f.name));
  return Object.fromEntries(Object.entries(credentials).filter(([name]) => !once.has(name)));
}

export function validateSettings(descriptor: SiteDescriptor, settings: Record<string, unknown>, partial = false): FieldError[] {
  const errors: FieldError[] = [];
  const fields = new Map(descriptor.settingFields.map((field) => [field.name, field]));
  for (const [name, value] of Object.entries(settings)) {
    const field = fields.get(name);
    const path = `settings.${name}`;
    if (!field) {
      const accepted = descriptor.settingFields.map((f) => f.name);
      errors.push({ field: path, message: `${name} is not a setting of ${descriptor.site}; accepted: ${accepted.join(', ') || 'none'}` });
      continue;
    }
    if (value === null && partial) continue;
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (actual !== field.type) errors.push({ field: path, message: `${name} must be of type ${field.type}` });
    else if (typeof value === 'number' && !Number.isFinite(value)) errors.push({ field: path, message: `${name} must be a finite number` });
    else if (typeof value === 'number' && field.minimum !== undefined && value < field.minimum)
      errors.push({ field: path, message: `${name} must be at least ${field.minimum}` });
    else if (typeof value === 'number' && field.maximum !== undefined && value > field.maximum)
      errors.push({ field: path, message: `${name} must be at most ${field.maximum}` });
    else if (typeof value === 'string' && value.length > 2000)
      errors.push({ field: path, message: `${name} must be at most 2000 characters` });
  }
  if (!partial) {
    for (const field of descriptor.settingFields) {
      if (field.required && field.default === undefined && !(field.name in settings)) {
        errors.push({
          field: `settings.${field.name}`,
          message: `${field.label} (${field.name}) is required for ${descriptor.displayName}`,
        });
      }
    }
  }
  return errors;
}

/** The options a site can honour, given what it can do. */
export function supportedOptions(capabilities: SiteCapabilities): (keyof ConnectionOptions)[] {
  const options: (keyof ConnectionOptions)[] = [];
  if (capabilities.orders) options.push('autoOrderIntegration', 'autoFulfillmentShippingInstruction');
  if (capabilities.confirm) options.push('autoOrderConfirmation');
  if (capabilities.stock) options.push('autoStockSync');
  if (capabilities.cancelApproval) options.push('autoCancelApproval');
  return options;
}

export function validateOptions(descriptor: SiteDescriptor, capabilities: SiteCapabilities, options: ConnectionOptionsDto): FieldError[] {
  const supported = new Set(supportedOptions(capabilities));
  return Object.entries(options)
    .filter(([name, value]) => value === true && !supported.has(name as keyof ConnectionOptions))
    .map(([name]) => ({ field: `options.${name}`, message: `${descriptor.displayName} does not support ${name}` }));
}

export function applyOptions(current: ConnectionOptions, update: ConnectionOptionsDto = {}): ConnectionOptions {
  return {
    autoOrderIntegration: update.autoOrderIntegration ?? current.autoOrderIntegration,
    autoOrderConfirmation: update.autoOrderConfirmation ?? current.autoOrderConfirmation,
    autoFulfillmentShippingInstruction: update.autoFulfillmentShippingInstruction ?? current.autoFulfillmentShippingInstruction,
    autoStockSync: update.autoStockSync ?? current.autoStockSync,
    autoCancelApproval: update.autoCancelApproval ?? current.autoCancelApproval ?? false,
  };
}

export const NO_OPTIONS: ConnectionOptions = {
  autoOrderIntegration: false,
  autoOrderConfirmation: false,
  autoFulfillmentShippingInstruction: false,
  autoStockSync: false,
  autoCancelApproval: false,
};

export function withSettingDefaults(descriptor: SiteDescriptor, settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of descriptor.settingFields) if (field.default !== undefined) out[field.name] = field.default;
  return { ...out, ...settings };
}
