/** Sign-up and login (PROTOCOL.md §8 wallet routes). */
import { customerApi } from '@tegata/protocol';
import type { AppContext } from '../context.js';
import { sendStepUpCode } from '../domain/accounts/deviceBinding.js';
import { thisWasntMe } from '../domain/accounts/notMe.js';
import { changePassword } from '../domain/accounts/passwordChange.js';
import { endSession, startLogin, verifyLogin } from '../domain/accounts/sessions.js';
import { startSignup, verifySignup } from '../domain/accounts/signup.js';
import { clientOf } from '../http/client.js';
import { authenticateDevice, isDeviceSigned } from '../http/customerAuth.js';
import { defineRoute, json, noContent, type AnyRoute } from '../http/route.js';

export function accountRoutes(ctx: AppContext): AnyRoute[] {
  const tags = ['wallet'];
  return [
    defineRoute({
      method: customerApi.signUp.method,
      url: customerApi.signUp.path,
      operationId: 'signUp',
      summary: 'Start a sign-up: one code goes by SMS, another by e-mail. 202 whether or not the addresses already have an account',
      tags,
      auth: 'none',
      body: customerApi.signUp.body,
      responses: { 202: { description: 'Codes sent where they can be', schema: customerApi.signUp.responses[202] } },
      problems: ['invalid_request', 'weak_password', 'too_many_attempts'],
      handler: async ({ body, request }) => {
        await startSignup(ctx, body, clientOf(request));
        return json(202, { status: 'codes_sent' });
      },
    }),
    defineRoute({
      method: customerApi.verifySignUp.method,
      url: customerApi.verifySignUp.path,
      operationId: 'verifySignUp',
      summary: 'Finish a sign-up with both codes (both channels verified)',
      tags,
      auth: 'none',
      body: customerApi.verifySignUp.body,
      responses: { 201: { description: 'Account created', schema: customerApi.verifySignUp.responses[201] } },
      problems: ['invalid_code', 'too_many_attempts'],
      handler: async ({ body, request }) => json(201, await verifySignup(ctx, body, clientOf(request))),
    }),
    defineRoute({
      method: customerApi.logIn.method,
      url: customerApi.logIn.path,
      operationId: 'logIn',
      summary:
        'Log in: the password opens a challenge whose code goes by SMS (full session) or e-mail (restricted: view the wallet, remove devices). Signed by the bound phone (Tegata-Device), it gives the session at once',
      tags,
      auth: 'none',
      body: customerApi.logIn.body,
      responses: {
        200: {
          description: 'A challenge, or with a device signature a session',
          schema: customerApi.logIn.responses[200],
        },
      },
      problems: ['invalid_credentials', 'too_many_attempts', 'too_many_codes', 'bad_signature', 'device_revoked'],
      handler: async ({ body, request }) => {
        const device = isDeviceSigned(request) ? await authenticateDevice(ctx, request) : null;
        return json(200, await startLogin(ctx, body, clientOf(request), device));
      },
    }),
    defineRoute({
      method: customerApi.verifyLogin.method,
      url: customerApi.verifyLogin.path,
      operationId: 'verifyLogin',
      summary: 'The code of a login challenge gives the session',
      tags,
      auth: 'none',
      body: customerApi.verifyLogin.body,
      responses: { 200: { description: 'The session', schema: customerApi.verifyLogin.responses[200] } },
      problems: ['invalid_code', 'too_many_attempts'],
      handler: async ({ body, request }) => json(200, await verifyLogin(ctx, body, clientOf(request))),
    }),
    defineRoute({
      method: customerApi.changePassword.method,
      url: customerApi.changePassword.path,
      operationId: 'changePassword',
      summary:
        'Change the password: a full session, the current password, and either a signature of the established phone (Tegata-Device) or an e-mail code ' +
        '(POST /v1/account/email-code, action "password"; this opens the cool-down). Ends every session, this one too',
      tags,
      auth: 'session_full',
      body: customerApi.changePassword.body,
      responses: { 204: { description: 'Changed' } },
      problems: [
        'invalid_credentials',
        'weak_password',
        'too_many_attempts',
        'restricted_session',
        'password_change_needs_phone_or_email',
        'invalid_code',
        'device_pending',
        'account_frozen',
        'sim_swapped',
        'sim_check_unavailable',
      ],
      handler: async ({ body, customer, request }) => {
        if (customer?.session === null || customer?.session === undefined) throw new Error('session route without a session');
        const signer = isDeviceSigned(request) ? await authenticateDevice(ctx, request) : null;
        await changePassword(ctx, customer.session, body, clientOf(request), signer);
        return noContent();
      },
    }),
    defineRoute({
      method: customerApi.sendStepUpCode.method,
      url: customerApi.sendStepUpCode.path,
      operationId: 'sendStepUpCode',
      summary:
        'From a full session: a code by e-mail to the address on file, for binding a phone without the bound one (action "bind") or changing the password (action "password")',
      tags,
      auth: 'session_full',
      body: customerApi.sendStepUpCode.body,
      responses: { 202: { description: 'Sent', schema: customerApi.sendStepUpCode.responses[202] } },
      problems: ['too_many_codes', 'no_email_on_file', 'restricted_session'],
      handler: async ({ body, customer }) => {
        const session = customer?.session;
        if (session === null || session === undefined) throw new Error('session route without a session');
        await sendStepUpCode(ctx, session, body.action);
        return json(202, { status: 'code_sent' });
      },
    }),
    defineRoute({
      method: customerApi.thisWasntMe.method,
      url: customerApi.thisWasntMe.path,
      operationId: 'thisWasntMe',
      summary:
        '"This wasn\'t me", from a session opened with the e-mail code: the undo code of a binding, password or reset notice cancels any pending phone, ' +
        'ends every session and freezes binding, password change and online payments until a password reset with both codes',
      tags,
      auth: 'session',
      body: customerApi.thisWasntMe.body,
      responses: { 204: { description: 'Frozen' } },
      problems: ['email_session_required', 'invalid_code', 'too_many_attempts'],
      handler: async ({ body, customer, request }) => {
        const session = customer?.session;
        if (session === null || session === undefined) throw new Error('session route without a session');
        await thisWasntMe(ctx, session, body.code, clientOf(request));
        return noContent();
      },
    }),
    defineRoute({
      method: customerApi.currentSession.method,
      url: customerApi.currentSession.path,
      operationId: 'currentSession',
      summary: 'This session: its account, scope, second factor and when it ends',
      tags,
      auth: 'session',
      responses: {
        200: {
          description: 'The session',
          schema: customerApi.currentSession.responses[200],
        },
      },
      handler: ({ customer }) => {
        const session = customer?.session;
        if (session === null || session === undefined) throw new Error('session route without a session');
        return Promise.resolve(
          json(200, {
            accountId: session.account_id,
            scope: session.scope,
            secondFactor: session.second_factor,
            verifiedAt: session.verified_at,
            expiresAt: session.expires_at,
            idleExpiresAt: Math.min(session.expires_at, session.last_seen_at + ctx.config.accounts.sessionIdleSeconds * 1000),
          }),
        );
      },
    }),
    defineRoute({
      method: customerApi.logOut.method,
      url: customerApi.logOut.path,
      operationId: 'logOut',
      summary: 'End this session',
      tags,
      auth: 'session',
      responses: { 204: { description: 'Ended' } },
      handler: async ({ customer }) => {
        if (customer?.session !== null && customer?.session !== undefined) await endSession(ctx, customer.session.id);
        return noContent();
      },
    }),
  ];
}
