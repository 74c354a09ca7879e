"""Second factors for password sign-in: authenticator apps (TOTP), passkeys and recovery codes."""
