"""estimates page."""

import streamlit as st

st.title("Estimates")
st.info("This page is being built.")
