// Placeholder: replaced by the page's owner.
export default function SignInPage() {
  return <h1>SignInPage</h1>;
}
