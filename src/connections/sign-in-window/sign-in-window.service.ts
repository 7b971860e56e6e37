import { Injectable } from '@nestjs/common';
import { NotFoundProblem, ValidationProblem } from '../../common/problem';
import { ConnectorRegistry } from '../../connectors/connector-registry';
import { isSiteId, type SiteConnector } from '../../connectors/sales-site-connector';
import { AuthorizationStates } from '../authorization-states';
import type { Connection } from '../connection.entity';
import { ConnectionsService } from '../connections.service';
import type { SignInFormDto } from './sign-in-form.dto';

const STATE_FIELD = 'state';
const API_KEY = 'apiKey';

/** What the sign-in window shows for the connection a state belongs to. */
export interface SignInWindowView {
  siteName: string;
  loginId: string;
  asksForApiKey: boolean;
}

/**
 * The sign-in window of a site whose key is made from the seller's own login (Qoo10 "Get Auth",
 * `CreateCertificationKey`): the page opened by `GET /v1/connections/{id}/authorize`, and its form.
 * The password goes to the site in that one call and nowhere else.
 */
@Injectable()
export class SignInWindowService {
  constructor(
    private readonly states: AuthorizationStates,
    private readonly connectors: ConnectorRegistry,
    private readonly connections: ConnectionsService,
  ) {}

  /** The page for a state still valid; the state stays usable until the form is posted. */
  async open(site: string, state: string | undefined): Promise<SignInWindowView> {
    const connector = this.keyExchangeSite(site);
    const row = await this.states.peek(site, state, STATE_FIELD);
    return { siteName: connector.descriptor.displayName, loginId: row.shopId, asksForApiKey: this.asksForApiKey(connector, row) };
  }

  /**
   * Checks the form against the connection before using the state up (a mistyped form costs no state), then
   * exchanges the login for the key. Answers where to send the browser (CONNECT_RETURN_URL with the result).
   */
  async submit(site: string, form: SignInFormDto): Promise<string> {
    const connector = this.keyExchangeSite(site);
    const pending = await this.states.peek(site, form.state, STATE_FIELD);
    const errors = [];
    if (form.loginId !== undefined && form.loginId.trim() !== pending.shopId) {
      errors.push({ field: 'loginId', message: `loginId must be this connection's shop id (${pending.shopId})` });
    }
    if (this.asksForApiKey(connector, pending) && !form.apiKey?.trim()) {
      errors.push({ field: API_KEY, message: `${API_KEY} is required: this connection has none and the service brings none` });
    }
    if (errors.length) throw new ValidationProblem(errors);

    const row = await this.states.consume(site, form.state, STATE_FIELD);
    const input: Record<string, string> = { password: form.password };
    if (form.apiKey?.trim()) input[API_KEY] = form.apiKey.trim();
    return this.connections.finishAuthorization(row, (context) => connector.authorize!(context, input));
  }

  private keyExchangeSite(site: string): SiteConnector {
    const connector = isSiteId(site) ? this.connectors.get(site) : undefined;
    if (!connector || connector.descriptor.authorization !== 'key-exchange' || !connector.authorize) {
      throw new NotFoundProblem('Sign-in window');
    }
    return connector;
  }

  /** The API key field is required (no service key) and the connection has none stored. */
  private asksForApiKey(connector: SiteConnector, row: Connection): boolean {
    const field = connector.descriptor.credentialFields.find((candidate) => candidate.name === API_KEY);
    return Boolean(field?.required) && !(API_KEY in row.credentialHints);
  }
}
