import type { SiteDescriptor } from '../sales-site-connector';

/**
 * A connection's outbound pacing: the site's `rateLimit`, with the pause between calls taken from the connection's
 * pacing setting (`descriptor.pacingSetting`) when it holds a number, kept within the setting's declared bounds
 * (a value stored before the bounds existed cannot push the site harder than they allow).
 */
export function connectionRateLimit(descriptor: SiteDescriptor, settings: Record<string, unknown>): SiteDescriptor['rateLimit'] {
  const name = descriptor.pacingSetting;
  const value = name === undefined ? undefined : settings[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) return descriptor.rateLimit;
  const field = descriptor.settingFields.find((candidate) => candidate.name === name);
  const minTimeMs = Math.round(Math.min(Math.max(value, field?.minimum ?? 0), field?.maximum ?? Number.POSITIVE_INFINITY));
  return { ...descriptor.rateLimit, minTimeMs };
}
